// The `vote` scene (conference/votes/scene.py): while the vote is open, its question and the
// progress bar of those who voted out of those who may; once closed, the counts with their
// percentages of the base and PASSED / NOT PASSED. Every push carries the whole vote summary.
(function () {
  "use strict";
  var S = window.Scenes;

  function percent(value, lang) {
    if (value === null || value === undefined) { return ""; }
    return new Intl.NumberFormat(lang || "vi", { maximumFractionDigits: 1 }).format(value) + "%";
  }

  // "Passes with more than half of the delegates present", in the screen's own words.
  function rule(vote, words) {
    return words.vote_rule.replace("{majority}", words["vote_" + vote.majority])
      .replace("{base}", words["vote_" + vote.base]);
  }

  function draw(body, scene, ctx) {
    body.classList.add("vote-scene");
    var vote = scene.vote;
    var words = ctx.labels;
    if (!vote) { S.add(body, "div", "big-title", words.vote_none); return; }
    S.add(body, "div", "vote-question " + vote.status, vote.question);
    if (vote.status === "open") {
      var track = S.add(body, "div", "vote-track");
      var fill = S.add(track, "div", "vote-fill");
      fill.style.width = (vote.eligible ? Math.min(100, 100 * vote.voted / vote.eligible) : 0) + "%";
      S.add(body, "div", "vote-tally fit-line",
            vote.voted + " / " + vote.eligible + " " + words.vote_voted);
      S.add(body, "div", "vote-rule", words.vote_open + " · " + rule(vote, words));
      return;
    }
    var numbers = S.add(body, "div", "numbers");
    [["for", "vote_for"], ["against", "vote_against"], ["abstain", "vote_abstain"]]
      .forEach(function (pair) {
        S.figure(numbers, vote[pair[0]],
                 words[pair[1]] + " · " + percent(vote["percent_" + pair[0]], ctx.lang));
      });
    S.add(body, "div", "vote-verdict " + (vote.passed ? "passed" : "not-passed"),
          vote.passed ? words.vote_passed : words.vote_not_passed);
    S.add(body, "div", "vote-rule", rule(vote, words));
  }

  S.define("vote", draw);
})();
