// Enhancements only: every page works without this file.
//
// Scoring sheet (/advisor/applications/{id}): live section and overall
// percentages as the advisor scores. The server computes the same on every save
// (domain::scoring::tally, the percentages of domain::scoring::assess), by the
// same rules:
//   - an item earns weight × score out of weight × max_score;
//   - an item marked not applicable ("na") counts nowhere, nor does an unscored one;
//   - a percentage is 1000 × earned / possible, rounded, over 10 (one decimal);
//   - with nothing assessable scored: "not scored yet" while items are unscored,
//     otherwise "not applicable" (a section) or "nothing assessable" (overall).
// Markup (src/web/templates/advisor/score.html): form[data-live-scores] with
// data-max-score; one [data-item] per item with data-section and data-weight,
// holding its radio buttons; [data-section-total=<section id>],
// [data-overall-total] and [data-scored-count] for the results.
(function () {
  "use strict";
  var form = document.querySelector("form[data-live-scores]");
  if (!form) return;
  var max = Number(form.getAttribute("data-max-score"));
  if (!(max > 0)) return;

  function percent(earned, possible) {
    return Math.round((1000 * earned) / possible) / 10 + "%";
  }

  function text(t, allNotApplicable) {
    if (t.possible > 0) return percent(t.earned, t.possible);
    return t.unscored > 0 ? "not scored yet" : allNotApplicable;
  }

  function blank() {
    return { earned: 0, possible: 0, unscored: 0 };
  }

  function update() {
    var sections = {};
    var overall = blank();
    var scored = 0;
    form.querySelectorAll("[data-item]").forEach(function (item) {
      var weight = Number(item.getAttribute("data-weight"));
      var id = item.getAttribute("data-section");
      var section = (sections[id] = sections[id] || blank());
      var chosen = item.querySelector("input[type=radio]:checked");
      var value = chosen ? chosen.value : "";
      if (value === "") {
        section.unscored += 1;
        overall.unscored += 1;
        return;
      }
      scored += 1;
      if (value === "na") return;
      var score = Number(value);
      if (!(score >= 0 && score <= max) || !(weight >= 0)) return;
      section.earned += weight * score;
      section.possible += weight * max;
      overall.earned += weight * score;
      overall.possible += weight * max;
    });
    form.querySelectorAll("[data-section-total]").forEach(function (out) {
      var t = sections[out.getAttribute("data-section-total")] || blank();
      out.textContent = text(t, "not applicable");
    });
    var all = form.querySelector("[data-overall-total]");
    if (all) all.textContent = text(overall, "nothing assessable");
    var count = form.querySelector("[data-scored-count]");
    if (count) count.textContent = String(scored);
  }

  form.addEventListener("change", update);
  update();
})();
