// Behaviour shared by every page.  The Content-Security-Policy forbids inline scripts
// and on*="" handlers, so templates mark elements with data attributes instead:
//   data-autosubmit  a <select> (or input) that submits its form when changed
//   data-print       a button that opens the print dialog
document.addEventListener("change", function (event) {
  var el = event.target;
  if (el.form && el.hasAttribute("data-autosubmit")) el.form.submit();
});
document.addEventListener("click", function (event) {
  var el = event.target.closest ? event.target.closest("[data-print]") : null;
  if (el) window.print();
});
// A form sent back with errors (portal/forms/field.html marks its fields aria-invalid):
// move to the first one, so a screen reader reads its label and, through aria-describedby,
// the error; sighted people see it scrolled into view.  Only a refused POST form: a GET
// form showing errors (the styleguide's sample) must not pull the page down.
document.addEventListener("DOMContentLoaded", function () {
  var invalid = document.querySelector("main form[method=post] [aria-invalid=true]");
  if (invalid && !document.querySelector("main [autofocus]")) invalid.focus();
});
