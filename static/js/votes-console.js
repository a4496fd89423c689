// The secretariat's vote console: the open vote's progress (voted / eligible) moves as phones
// vote (`vote_progress`, pushed at most twice a second); when a vote opens or closes elsewhere
// (another console, the API) the page reloads to show its new buttons.
(function () {
  "use strict";
  var section = document.getElementById("votes-console");
  if (!section || typeof io === "undefined") { return; }
  var socket = io("/live", { auth: { congress: section.dataset.slug, votes: true } });
  socket.on("vote_progress", function (vote) {
    var card = document.getElementById("vote-" + vote.id);
    if (!card) { return; }
    if (card.dataset.status !== vote.status) { window.location.reload(); return; }
    var voted = card.querySelector("[data-voted]");
    var eligible = card.querySelector("[data-eligible]");
    var bar = card.querySelector("progress");
    if (voted) { voted.textContent = String(vote.voted); }
    if (eligible) { eligible.textContent = String(vote.eligible); }
    if (bar) { bar.max = vote.eligible || 1; bar.value = vote.voted; }
  });
})();
