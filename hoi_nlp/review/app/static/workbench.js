/* hoi review — the analyst's workbench: a new code from the selected quote, list paging keys. No external code. */
(function () {
  "use strict";

  function typing(el) { return el && (el.tagName === "INPUT" || el.tagName === "TEXTAREA" || el.tagName === "SELECT" || el.isContentEditable); }

  // ------------------------------------------------ "create a code from this quote": remember the last selection in the context
  var lastSelection = null;
  document.addEventListener("selectionchange", function () {
    if (!window.hoiSelectionOffsets) return;
    var found = window.hoiSelectionOffsets();
    if (found) { lastSelection = found; showSelection(); }
  });
  function showSelection() {
    var start = document.getElementById("create-start"), end = document.getElementById("create-end");
    if (!start || !end || !lastSelection) return;
    var body = document.getElementById("segment-body");
    if (body && body.dataset.segment !== (document.querySelector("#create-code-form input[name=segment_id]") || {}).value) return;
    start.value = lastSelection.start; end.value = lastSelection.end;
    var preview = document.getElementById("create-quote");
    if (preview) preview.textContent = "“" + lastSelection.text.slice(0, 160) + (lastSelection.text.length > 160 ? "…" : "") + "”";
  }
  document.addEventListener("htmx:afterSwap", function () { lastSelection = null; });
  document.addEventListener("toggle", function (e) {
    if (e.target && e.target.id === "create-code" && e.target.open) {
      showSelection();
      var label = document.getElementById("create-label"); if (label) label.focus();
    }
  }, true);

  // ------------------------------------------------ list pages: [ and ] turn the page
  document.addEventListener("keydown", function (e) {
    if (typing(e.target) || e.ctrlKey || e.metaKey || e.altKey) return;
    if (document.getElementById("segment-body")) return;
    var which = e.key === "]" ? "next" : e.key === "[" ? "prev" : null;
    if (!which) return;
    var link = document.querySelector('.pager a[data-page="' + which + '"]');
    if (link) { e.preventDefault(); window.location = link.href; }
  });
})();
