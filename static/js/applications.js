/* Behaviour of the applications pages, without inline script (strict CSP).
 *
 * data-budget-table   the 贵阳 budget table: live total in figures and uppercase RMB,
 *                     "add a row" from the formset's empty form (<template data-budget-template>)
 * data-score-table    the expert scoring table: running total while typing
 */
(function () {
  "use strict";

  var DIGITS = "零壹贰叁肆伍陆柒捌玖";
  var UNITS = ["", "拾", "佰", "仟"];
  var BIG = ["", "万", "亿", "万亿"];

  function sectionText(section) {
    var out = "";
    var zero = false;
    for (var pos = 3; pos >= 0; pos--) {
      var digit = Math.floor(section / Math.pow(10, pos)) % 10;
      if (digit === 0) {
        if (out) zero = true;
      } else {
        if (zero) out += "零";
        zero = false;
        out += DIGITS[digit] + UNITS[pos];
      }
    }
    return out;
  }

  function integerText(n) {
    var parts = [];
    while (n > 0) {
      parts.push(n % 10000);
      n = Math.floor(n / 10000);
    }
    var out = "";
    var gap = false;
    for (var i = parts.length - 1; i >= 0; i--) {
      if (parts[i] === 0) {
        if (out) gap = true;
        continue;
      }
      if (out && (gap || parts[i] < 1000)) out += "零";
      gap = false;
      out += sectionText(parts[i]) + BIG[i];
    }
    return out;
  }

  /* Return an amount in Chinese uppercase RMB, as the server writes it (cn2an "rmb"). */
  function rmbUppercase(value) {
    var cents = Math.round(value * 100);
    if (!isFinite(cents) || cents < 0) return "";
    if (cents === 0) return "零元整";
    var yuan = Math.floor(cents / 100);
    var jiao = Math.floor(cents / 10) % 10;
    var fen = cents % 10;
    var out = yuan > 0 ? integerText(yuan) + "元" : "";
    if (jiao === 0 && fen === 0) return out + "整";
    if (jiao > 0) out += DIGITS[jiao] + "角";
    else if (yuan > 0) out += "零";
    if (fen > 0) out += DIGITS[fen] + "分";
    return out;
  }
  window.rmbUppercase = rmbUppercase;

  function sumInputs(root, selector) {
    var total = 0;
    root.querySelectorAll(selector).forEach(function (el) {
      var row = el.closest("tr");
      var removed = row && row.querySelector("input[name$='-DELETE']:checked");
      var v = parseFloat(el.value);
      if (!isNaN(v) && !removed) total += v;
    });
    return total;
  }

  function initBudget(table) {
    var sum = table.querySelector("[data-budget-sum]");
    var rmb = table.querySelector("[data-budget-rmb]");
    var body = table.querySelector("tbody");
    var template = document.querySelector("[data-budget-template]");
    var totalForms = document.querySelector("input[name='" + table.dataset.prefix + "-TOTAL_FORMS']");

    function refresh() {
      var total = sumInputs(table, "input[name$='-amount']");
      sum.textContent = total.toFixed(2);
      if (rmb) rmb.textContent = total > 0 ? rmbUppercase(total) : "—";
      body.querySelectorAll("[data-row-no]").forEach(function (cell, i) {
        cell.textContent = String(i + 1);
      });
    }

    table.addEventListener("input", refresh);
    table.addEventListener("change", refresh);
    var add = document.querySelector("[data-budget-add]");
    if (add && template && totalForms) {
      add.addEventListener("click", function () {
        var index = parseInt(totalForms.value, 10);
        var html = template.innerHTML.replace(/__prefix__/g, String(index));
        body.insertAdjacentHTML("beforeend", html);
        totalForms.value = String(index + 1);
        var first = body.lastElementChild.querySelector("input");
        if (first) first.focus();
        refresh();
      });
    }
    refresh();
  }

  function initScore(table) {
    var out = document.querySelector("[data-running-total]");
    function refresh() {
      var total = sumInputs(table, "input[data-points]");
      out.textContent = String(Math.round(total * 100) / 100);
    }
    table.addEventListener("input", refresh);
    table.addEventListener("change", refresh);
    // Points typed before this script ran, or put back by the browser (the back button,
    // a restored tab), count too: the total is computed from the inputs as they are now.
    window.addEventListener("pageshow", refresh);
    refresh();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-budget-table]").forEach(initBudget);
    document.querySelectorAll("[data-score-table]").forEach(initScore);
  });
})();
