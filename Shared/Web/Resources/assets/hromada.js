// Hromada: the few behaviours pages need, from a file (the pages' CSP allows no inline script).
// A button with `data-print` prints the page (the intake receipt, the centre's notices).
document.addEventListener("click", function (event) {
  var target = event.target instanceof Element ? event.target.closest("[data-print]") : null;
  if (target) { event.preventDefault(); window.print(); }
});
