// The print page's search for delegates to pick: a new search keeps the codes typed in the
// field and the delegates ticked so far (without this script, those of the last page load).
(function () {
  "use strict";

  var find = document.getElementById("find-delegates");
  var codes = document.getElementById("f-codes");
  if (!find || !codes) { return; }
  find.addEventListener("submit", function () {
    var chosen = [codes.value.trim()];
    document.querySelectorAll("input[name=pick]:checked").forEach(function (box) {
      chosen.push(box.value);
    });
    find.querySelector("input[name=codes]").value = chosen.join(" ").trim();
  });
}());
