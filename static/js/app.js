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
  // The server checks every form and answers in the person's language: switch off the
  // browser's own (English) bubbles. An error summary moves focus to the first wrong field.
  function prepareForms() {
    var forms = document.querySelectorAll("form");
    for (var i = 0; i < forms.length; i++) {
      forms[i].noValidate = true;
    }
    var summary = document.querySelector("[data-error-summary]");
    if (summary) {
      var first = document.querySelector("[aria-invalid=true]");
      if (first && first.focus) {
        first.focus();
      } else {
        summary.setAttribute("tabindex", "-1");
        summary.focus();
      }
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", prepareForms);
  } else {
    prepareForms();
  }
  // <button data-confirm="…"> asks before submitting (irreversible actions).
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-confirm]");
    if (button && !window.confirm(button.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });
})();
