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

// ---- The librarian's day (issue 14): counter, error summary, skip link ----
// A field with `data-counter="<id>"` and `maxlength` shows "used of limit" in the element <id>,
// and warns from 90 % of the limit on (`data-counter-used`, `-near`, `-over`: texts with {used},
// {limit}, {left}, {over}). Counted as the browser counts `maxlength`, so the two agree.
(function () {
  document.querySelectorAll("[data-counter]").forEach(function (field) {
    var out = document.getElementById(field.getAttribute("data-counter"));
    var limit = parseInt(field.getAttribute("maxlength"), 10);
    if (!out || !(limit > 0)) { return; }
    function fill(template, used) {
      return (template || "").replace("{used}", used).replace("{limit}", limit)
        .replace("{left}", Math.max(0, limit - used)).replace("{over}", Math.max(0, used - limit));
    }
    function update() {
      var used = field.value.length;
      var state = used > limit ? "over" : (used >= Math.floor(limit * 0.9) ? "near" : "used");
      var text = fill(field.getAttribute("data-counter-used"), used);
      if (state !== "used") { text += " — " + fill(field.getAttribute("data-counter-" + state), used); }
      out.textContent = text;
      out.setAttribute("data-state", state);
      out.className = "hint counter" + (state === "used" ? "" : " " + (state === "over" ? "bad" : "warn"));
    }
    field.addEventListener("input", update);
    update();
  });
})();
// An error summary (`data-error-summary`) takes the focus when the page opens; its links move the
// focus to their field (not only scroll to it).
(function () {
  var summary = document.querySelector("[data-error-summary]");
  if (!summary) { return; }
  summary.focus();
  summary.addEventListener("click", function (event) {
    var link = event.target instanceof Element ? event.target.closest("a[href^='#']") : null;
    var field = link ? document.getElementById(link.getAttribute("href").slice(1)) : null;
    if (!field) { return; }
    event.preventDefault();
    field.scrollIntoView({ block: "center" });
    field.focus();
  });
})();
// The skip link's target: a page whose <main> has no id still gets one.
(function () {
  if (document.getElementById("main")) { return; }
  var main = document.querySelector("main");
  if (main) { main.id = "main"; }
})();
// One look (issue 14): a table wider than its box (many columns on a laptop, any table on a phone)
// scrolls inside its own box instead of widening the page; one that fits keeps its full width.
(function () {
  function fit() {
    document.querySelectorAll("main table").forEach(function (table) {
      table.classList.remove("scrolls");
      var box = table.parentElement;
      if (!box) { return; }
      var style = getComputedStyle(box);
      var room = box.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
      if (table.getBoundingClientRect().width > room + 1) { table.classList.add("scrolls"); }
    });
  }
  fit();
  var pending;
  window.addEventListener("resize", function () { clearTimeout(pending); pending = setTimeout(fit, 100); });
})();
