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
  // <form data-once>: once sent, its buttons are disabled until the answer arrives, so a
  // double click sends one request (the server also treats a repeat as already done). The
  // clicked button's name/value is copied to a hidden field first: a disabled button is not
  // sent with the form, and the server reads which one was pressed (提交申报, 通过, 退回…).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-once]") || event.defaultPrevented) {
      return;
    }
    if (form.getAttribute("data-sending") === "1") {
      event.preventDefault();
      return;
    }
    form.setAttribute("data-sending", "1");
    var submitter = event.submitter;
    if (submitter && submitter.name) {
      var copy = document.createElement("input");
      copy.type = "hidden";
      copy.name = submitter.name;
      copy.value = submitter.value;
      copy.setAttribute("data-once-copy", "");
      form.appendChild(copy);
    }
    var buttons = form.querySelectorAll("button[type=submit], input[type=submit], button:not([type])");
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].disabled = true;
      buttons[i].setAttribute("aria-busy", "true");
    }
  });
  // Back/forward cache: a page shown again must be usable again.
  window.addEventListener("pageshow", function () {
    var forms = document.querySelectorAll("form[data-sending]");
    for (var i = 0; i < forms.length; i++) {
      forms[i].removeAttribute("data-sending");
      var copies = forms[i].querySelectorAll("[data-once-copy]");
      for (var j = 0; j < copies.length; j++) {
        copies[j].remove();
      }
      var buttons = forms[i].querySelectorAll("[aria-busy=true]");
      for (var k = 0; k < buttons.length; k++) {
        buttons[k].disabled = false;
        buttons[k].removeAttribute("aria-busy");
      }
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
