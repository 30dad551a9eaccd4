// Small behaviours without inline scripts (the CSP allows scripts from this server only).
document.addEventListener("submit", function (event) {
  const form = event.target;
  const question = form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
    return;
  }
  // A second click while the first submit is on its way does nothing.
  if (form.dataset.submitted === "1" && !form.hasAttribute("data-allow-resubmit")) {
    event.preventDefault();
    return;
  }
  form.dataset.submitted = "1";
  form.querySelectorAll("button[type=submit]").forEach(function (b) { b.classList.add("disabled"); });
}, true);

// Auto-submit filter forms when a select changes.
document.addEventListener("change", function (event) {
  const el = event.target;
  if (el.matches("form.filters select")) { el.form.requestSubmit(); }
});
