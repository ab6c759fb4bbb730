// Hromada: the few behaviours pages need, from a file (the pages' CSP allows no inline script).
// A button with `data-print` prints the page (the intake receipt, the centre's notices).
document.addEventListener("click", function (event) {
  var target = event.target instanceof Element ? event.target.closest("[data-print]") : null;
  if (target) { event.preventDefault(); window.print(); }
});

// A form with `data-keep="<name>"` keeps what was typed in this tab (sessionStorage) until it is
// sent: an expired session (sign in again) or an expired form (reload) loses nothing. A blank form
// (`data-fresh`) gets the kept values back. An element with `data-sent="<prefix>"` (the receipt, a
// "done" message) or a submitted `data-clear-kept` form (sign-out) forgets them. Hidden fields and
// passwords are never kept.
(function () {
  var store;
  try { store = window.sessionStorage; } catch (e) { return; }
  if (!store) { return; }
  var prefix = "hromada.keep.";
  function forget(start) {
    for (var i = store.length - 1; i >= 0; i--) {
      var key = store.key(i);
      if (key && key.indexOf(prefix + start) === 0) { store.removeItem(key); }
    }
  }
  function kept(field) {
    return field.name && field.type !== "hidden" && field.type !== "password" && field.type !== "submit" &&
      field.type !== "button" && field.type !== "file";
  }
  document.querySelectorAll("[data-sent]").forEach(function (element) { forget(element.getAttribute("data-sent")); });
  document.querySelectorAll("form[data-clear-kept]").forEach(function (form) {
    form.addEventListener("submit", function () { forget(""); });
  });
  document.querySelectorAll("form[data-keep]").forEach(function (form) {
    var key = prefix + form.getAttribute("data-keep");
    function save() {
      var data = {};
      Array.prototype.forEach.call(form.elements, function (field) {
        if (kept(field)) { data[field.name] = field.type === "checkbox" ? field.checked : field.value; }
      });
      store.setItem(key, JSON.stringify(data));
    }
    if (form.hasAttribute("data-fresh")) {
      var saved = null;
      try { saved = JSON.parse(store.getItem(key) || "null"); } catch (e) { saved = null; }
      if (saved) {
        Array.prototype.forEach.call(form.elements, function (field) {
          if (!kept(field) || !(field.name in saved)) { return; }
          if (field.type === "checkbox") { field.checked = saved[field.name] === true; }
          else { field.value = saved[field.name]; }
        });
      }
    }
    form.addEventListener("input", save);
    form.addEventListener("change", save);
  });
})();
