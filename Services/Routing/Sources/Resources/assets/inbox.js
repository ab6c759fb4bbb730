// Hromada's officials' inbox: inserting an answer template into the answer's text (from a file:
// the pages' CSP allows no inline script). A `<select data-template-target="<textarea id>">`
// whose options carry `data-body` fills the textarea (or adds to what is already typed) and
// announces the change, so the kit's script keeps the text like anything typed.
document.addEventListener("change", function (event) {
  var select = event.target;
  if (!(select instanceof HTMLSelectElement) || !select.hasAttribute("data-template-target")) { return; }
  var option = select.options[select.selectedIndex];
  var body = option ? option.getAttribute("data-body") : null;
  var target = document.getElementById(select.getAttribute("data-template-target"));
  if (!body || !(target instanceof HTMLTextAreaElement)) { return; }
  target.value = target.value.trim() === "" ? body : target.value.replace(/\s+$/, "") + "\n\n" + body;
  target.dispatchEvent(new Event("input", { bubbles: true }));
  target.focus();
  select.selectedIndex = 0;
});
