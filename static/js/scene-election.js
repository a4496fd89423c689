// The election scene: a published result (the server never sends another): the title, the
// elected by votes, then the other candidates as far as they fit; each with votes and share of
// the valid ballots. Texts only with textContent; the fitting is scenes.js's.
(function () {
  "use strict";

  function share(ctx, percent) {
    return percent.toLocaleString(ctx.lang || "vi", { minimumFractionDigits: 2,
                                                      maximumFractionDigits: 2 }) + " %";
  }

  Scenes.define("election", function (body, scene, ctx) {
    body.classList.add("election");
    var result = scene.election;
    if (!result) { Scenes.add(body, "div", "big-title", ctx.labels.election_none); return; }
    Scenes.add(body, "div", "big-title election-title", result.title);
    var elected = result.candidates.filter(function (row) { return row.elected; });
    var sub = Scenes.add(body, "div", "election-sub", ctx.labels.election_elected + ": " +
                         elected.length + "/" + result.seats + " · " + result.valid + " " +
                         ctx.labels.election_valid);
    Scenes.add(sub, "span", "page-mark"); // "1/2" when the elected show in turns
    var list = Scenes.add(body, "ol", "election-list");
    var others = result.candidates.length - elected.length;
    result.candidates.forEach(function (row, index) {
      var item = Scenes.add(list, "li", row.elected ? "elected" : row.tie ? "tie" : "other");
      Scenes.add(item, "span", "election-name", row.name);
      Scenes.add(item, "span", "election-votes", row.votes + " " + ctx.labels.election_votes +
                 " · " + share(ctx, row.percent));
      // Short of room, those not elected go, fewest votes first; then the elected show in
      // turns, a page at a time.
      if (row.elected) {
        item.dataset.pageRow = "";
      } else {
        item.dataset.drop = String(others - (index - elected.length) - 1);
      }
    });
    if (result.tie) { Scenes.add(body, "div", "election-tie", ctx.labels.election_tie); }
  });
})();
