// Enhancements only: every page works without this file.
// Scoring: live section and overall percentages as the advisor scores (the
// server computes the same on save; see service::applications::assessment).
(function () {
  "use strict";
  var form = document.querySelector("form[data-live-scores]");
  if (!form) return;
  var max = Number(form.getAttribute("data-max-score")) || 4;
  function update() {
    var totals = {};
    var overall = { got: 0, of: 0 };
    form.querySelectorAll("[data-item]").forEach(function (item) {
      var weight = Number(item.getAttribute("data-weight")) || 1;
      var section = item.getAttribute("data-section");
      var chosen = item.querySelector("input[type=radio]:checked, select");
      if (!chosen || chosen.value === "" || chosen.value === "na") return;
      var score = Number(chosen.value);
      if (isNaN(score)) return;
      totals[section] = totals[section] || { got: 0, of: 0 };
      totals[section].got += score * weight;
      totals[section].of += max * weight;
      overall.got += score * weight;
      overall.of += max * weight;
    });
    form.querySelectorAll("[data-section-total]").forEach(function (out) {
      var t = totals[out.getAttribute("data-section-total")];
      out.textContent = t && t.of ? Math.round((1000 * t.got) / t.of) / 10 + "%" : "not scored yet";
    });
    var all = form.querySelector("[data-overall-total]");
    if (all) all.textContent = overall.of ? Math.round((1000 * overall.got) / overall.of) / 10 + "%" : "not scored yet";
  }
  form.addEventListener("change", update);
  update();
})();
