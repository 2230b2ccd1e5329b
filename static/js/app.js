// Site-wide behaviour, kept out of the pages so the Content-Security-Policy can forbid inline script.
(function () {
  "use strict";
  // <select data-autosubmit> submits its form when changed (filters, language switch).
  document.addEventListener("change", function (event) {
    var field = event.target;
    if (field.matches && field.matches("[data-autosubmit]") && field.form) {
      field.form.submit();
    }
  });
  // <button data-confirm="…"> asks before submitting (irreversible actions).
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-confirm]");
    if (button && !window.confirm(button.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });
})();
