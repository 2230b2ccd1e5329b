// Money pages: behaviour kept out of the templates, so the CSP can forbid inline script.
(function () {
  "use strict";

  // <input type="checkbox" data-enables="#field">: the field is usable (and required) only
  // while the box is ticked, e.g. "同时追回" on the revocation form.
  function sync(box) {
    var field = document.querySelector(box.getAttribute("data-enables"));
    if (!field) {
      return;
    }
    field.disabled = !box.checked;
    field.required = box.checked;
    if (!box.checked) {
      field.value = "";
    }
  }

  // <button type="button" data-fill="#field" data-value="50000">: put a value in a field
  // (the full net amount paid, for a recovery).
  function fill(button) {
    var field = document.querySelector(button.getAttribute("data-fill"));
    if (field && !field.disabled) {
      field.value = button.getAttribute("data-value");
      field.dispatchEvent(new Event("input", { bubbles: true }));
    }
  }

  function init() {
    document.querySelectorAll("[data-enables]").forEach(sync);
  }

  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("[data-enables]")) {
      sync(event.target);
    }
  });
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-fill]");
    if (button) {
      event.preventDefault();
      fill(button);
    }
  });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
