// Agenda editor: drag items to reorder them, also into another session. Without JavaScript the
// Up/Down buttons do the same through plain forms.
(function () {
  "use strict";
  var editor = document.getElementById("agenda-editor");
  if (!editor) { return; }
  var hint = document.getElementById("drag-hint");
  if (hint) { hint.hidden = false; }  // dragging needs this script; say so only when it runs
  var dragged = null;
  var before = null;  // the order when the drag started: a drop back in place saves nothing

  function layout() {
    var sessions = {};
    editor.querySelectorAll("ol[data-session-id]").forEach(function (list) {
      sessions[list.dataset.sessionId] = Array.prototype.map.call(
        list.querySelectorAll("li[data-item-id]"), function (li) { return Number(li.dataset.itemId); });
    });
    return { sessions: sessions };
  }

  function save() {
    fetch(editor.dataset.arrangeUrl, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": editor.dataset.csrf },
      body: JSON.stringify(layout())
    }).then(function (r) {
      if (!r.ok) { throw new Error(r.status); }
    }).catch(function () {
      window.alert(editor.dataset.failed);
      window.location.reload();
    });
  }

  function itemAfter(list, y) {
    var items = Array.prototype.filter.call(list.querySelectorAll("li[data-item-id]"),
      function (li) { return li !== dragged; });
    for (var i = 0; i < items.length; i++) {
      var box = items[i].getBoundingClientRect();
      if (y < box.top + box.height / 2) { return items[i]; }
    }
    return null;
  }

  editor.addEventListener("dragstart", function (event) {
    var li = event.target.closest && event.target.closest("li[data-item-id]");
    if (!li) { return; }
    dragged = li;
    before = JSON.stringify(layout());
    li.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", li.dataset.itemId);
  });
  editor.addEventListener("dragover", function (event) {
    var list = event.target.closest && event.target.closest("ol[data-session-id]");
    if (!list || !dragged) { return; }
    event.preventDefault();
    list.classList.add("drop-target");
    var after = itemAfter(list, event.clientY);
    if (after) { list.insertBefore(dragged, after); } else { list.appendChild(dragged); }
  });
  editor.addEventListener("dragleave", function (event) {
    var list = event.target.closest && event.target.closest("ol[data-session-id]");
    if (list) { list.classList.remove("drop-target"); }
  });
  editor.addEventListener("drop", function (event) { event.preventDefault(); });
  editor.addEventListener("dragend", function () {
    if (!dragged) { return; }
    dragged.classList.remove("dragging");
    editor.querySelectorAll(".drop-target").forEach(function (el) { el.classList.remove("drop-target"); });
    dragged = null;
    if (JSON.stringify(layout()) !== before) { save(); }
  });
})();
