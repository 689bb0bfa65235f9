/* hoi review: keyboard shortcuts and text selection -> source offsets. No external code. */
(function () {
  "use strict";

  function ready(fn) { if (document.readyState !== "loading") fn(); else document.addEventListener("DOMContentLoaded", fn); }
  function typing(el) { return el && (el.tagName === "INPUT" || el.tagName === "TEXTAREA" || el.tagName === "SELECT" || el.isContentEditable); }
  function submit(form) { if (!form) return; if (form.requestSubmit) form.requestSubmit(); else form.submit(); }

  // ------------------------------------------------ selection -> offsets into the SOURCE text
  // Python offsets count code points; JS strings count UTF-16 units: convert.
  function codePoints(text) { return Array.from(text).length; }

  function piece(node) {
    var el = node.nodeType === 3 ? node.parentElement : node;
    return el && el.closest ? el.closest("#context span.t") : null;
  }

  function pointOffset(node, offset, isEnd) {
    var span = piece(node);
    if (span && node.nodeType === 3) {
      if (span.classList.contains("ph")) return +(isEnd ? span.dataset.e : span.dataset.s);
      return +span.dataset.s + codePoints(node.data.slice(0, offset));
    }
    if (span) return +(isEnd ? span.dataset.e : span.dataset.s);
    // An element boundary (e.g. between spans): use the neighbouring piece.
    var spans = Array.prototype.slice.call(document.querySelectorAll("#context span.t"));
    var child = node.childNodes && node.childNodes[offset];
    if (!isEnd) {
      var after = spans.filter(function (s) { return child ? (child === s || child.contains(s) || (child.compareDocumentPosition(s) & 4)) : (node.compareDocumentPosition(s) & 4); })[0];
      return after ? +after.dataset.s : null;
    }
    var before = spans.filter(function (s) { return child ? (child.compareDocumentPosition(s) & 2) : (node.contains(s) || (node.compareDocumentPosition(s) & 2)); }).pop();
    return before ? +before.dataset.e : null;
  }

  function selectionOffsets() {
    var ctx = document.getElementById("context");
    var sel = window.getSelection();
    if (!ctx || !sel || sel.rangeCount === 0 || sel.isCollapsed) return null;
    var range = sel.getRangeAt(0);
    if (!ctx.contains(range.startContainer) || !ctx.contains(range.endContainer)) return null;
    var start = pointOffset(range.startContainer, range.startOffset, false);
    var end = pointOffset(range.endContainer, range.endOffset, true);
    if (start === null || end === null || end <= start) return null;
    return { start: start, end: end, text: sel.toString() };
  }

  function updateSpanForm() {
    var btn = document.getElementById("span-btn");
    if (!btn) return;
    var found = selectionOffsets();
    var preview = document.getElementById("span-preview");
    btn.disabled = !found;
    if (found) {
      document.getElementById("span-start").value = found.start;
      document.getElementById("span-end").value = found.end;
      if (preview) preview.textContent = found.start + "–" + found.end + ": “" + found.text.slice(0, 80) + (found.text.length > 80 ? "…" : "") + "”";
    } else if (preview) { preview.textContent = ""; }
  }
  document.addEventListener("selectionchange", updateSpanForm);
  window.hoiSelectionOffsets = selectionOffsets;

  // ------------------------------------------------ code rows
  var lastCode = null;
  function rows() { return Array.prototype.slice.call(document.querySelectorAll("#codes .code-row")); }
  function selected() { return document.querySelector("#codes .code-row.sel"); }
  function select(row) {
    rows().forEach(function (r) { r.classList.remove("sel"); });
    if (row) { row.classList.add("sel"); lastCode = row.dataset.code; }
  }
  function initialSelection() {
    var all = rows();
    if (!all.length) return;
    var idx = lastCode ? all.findIndex(function (r) { return r.dataset.code === lastCode; }) : -1;
    var pending = all.filter(function (r, i) { return r.classList.contains("suggested") && i >= Math.max(idx, 0); });
    select(pending[0] || all.filter(function (r) { return r.classList.contains("suggested"); })[0] || all[Math.max(idx, 0)]);
  }
  function move(delta) {
    var all = rows(); if (!all.length) return;
    var i = all.indexOf(selected());
    select(all[Math.min(all.length - 1, Math.max(0, i + delta))]);
    selected().scrollIntoView({ block: "nearest" });
  }
  function act(name) {
    var row = selected() || rows()[0];
    if (!row) return;
    var btn = row.querySelector('button[data-act="' + name + '"]');
    if (btn) { lastCode = row.dataset.code; btn.click(); }
  }
  document.addEventListener("click", function (e) {
    var row = e.target.closest && e.target.closest("#codes .code-row");
    if (row) select(row);
    var tr = e.target.closest && e.target.closest("tr.unit-row");
    if (tr && e.target.tagName !== "A") window.location = tr.dataset.href;
  });

  // ------------------------------------------------ list navigation
  function listRows() { return Array.prototype.slice.call(document.querySelectorAll("tr.unit-row")); }
  function listMove(delta) {
    var all = listRows(); if (!all.length) return;
    var cur = document.querySelector("tr.unit-row.sel");
    var i = cur ? all.indexOf(cur) + delta : 0;
    all.forEach(function (r) { r.classList.remove("sel"); });
    var row = all[Math.min(all.length - 1, Math.max(0, i))];
    row.classList.add("sel"); row.scrollIntoView({ block: "nearest" });
  }

  // ------------------------------------------------ keys
  // Once `j`/`k` sent the browser to another unit, this page stays live until that one arrives: a key pressed
  // meanwhile acted on the unit being left (`a` `j` `a` accepted a second code here the analyst never saw).
  var leaving = false;
  function go(attr) {
    var body = document.getElementById("segment-body"), url = body && body.dataset[attr];
    if (!url) return;
    leaving = true; waiting = [];
    window.location = url;
  }
  window.addEventListener("pageshow", function () { leaving = false; });  // back to this page (history)
  // A decision is saved before its page replaces this one: a key pressed meanwhile would act on the page as it
  // was (`a` `r` rejected the code just accepted, still selected; a second `a` was dropped). Such keys wait for
  // that page and act on it, in the order pressed; an error drops them (its message is read first).
  var saving = 0, waiting = [];
  // the selection is taken when `s` is pressed: the page confirming a decision meanwhile has no selection
  function saveSpan(found) {
    var form = document.getElementById("span-form");
    if (!form || !found) return;
    document.getElementById("span-start").value = found.start;
    document.getElementById("span-end").value = found.end;
    submit(form);
  }
  function segmentKey(key, span) {
    switch (key) {
      case "a": act("accept"); break;
      case "r": act("reject"); break;
      case "j": case "n": go("next"); break;
      case "k": case "p": go("prev"); break;
      case "ArrowDown": move(1); break;
      case "ArrowUp": move(-1); break;
      case "c": var add = document.getElementById("add-code"); if (add) add.focus(); break;
      case "m": var memo = document.getElementById("memo-text"); if (memo) memo.focus(); break;
      case "f": submit(document.getElementById("flag-form")); break;
      case "u": submit(document.getElementById("undo-form")); break;
      case "s": saveSpan(span || selectionOffsets()); break;
      default: return false;
    }
    return true;
  }
  // keys that act on the page wait; `c` and `m` focus their box at once (it keeps what is typed: keepTyped)
  var WAITING_KEYS = ["a", "r", "j", "n", "k", "p", "ArrowDown", "ArrowUp", "f", "u", "s"];
  function nextWaiting() {
    while (waiting.length && !saving && !leaving) {
      var next = waiting.shift();
      if (next.form) sendTyped(next); else segmentKey(next.key, next.span);
    }
  }
  // A code typed (Enter) or a memo written (Ctrl+Enter) while another decision is saved waits too, and is sent
  // from the page confirming that one: htmx drops the answer to a form of a page replaced meanwhile (the code was
  // saved but not shown, and came back into its box). Its text is in the new page's box (keepTyped, the draft).
  // Only these two: a button's form (flag, undo, quote span, new code) sent from the new page would act on what
  // that page shows — a double click flagged and unflagged, undid two decisions, lost the span or the new code.
  // What each is sent with is taken when it is sent: a second press of one already sent or waiting is dropped.
  var TYPED_FORMS = ["add-form", "memo-form"], sending = {};
  function typedText(form) {
    var box = form && form.querySelector("input:not([type]), input[type=text], textarea");
    return box ? box.value : "";
  }
  function sendTyped(next) {
    var form = document.getElementById(next.form);
    var box = form && form.querySelector("input:not([type]), input[type=text], textarea");
    if (!box) return;
    box.value = next.text;
    submit(form);
  }
  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (!saving || TYPED_FORMS.indexOf(form.id) < 0 || !form.closest("#segment-body")) return;
    e.preventDefault(); e.stopPropagation();
    var text = typedText(form);
    var again = sending[form.id] === text || waiting.some(function (next) { return next.form === form.id && next.text === text; });
    if (text.trim() && !again) waiting.push({ form: form.id, text: text });
  }, true);

  document.addEventListener("keydown", function (e) {
    if (e.target && e.target.id === "memo-text" && e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); submit(document.getElementById("memo-form")); return; }
    if (e.key === "Escape" && typing(e.target)) { e.target.blur(); return; }
    if (typing(e.target) || e.ctrlKey || e.metaKey || e.altKey) return;
    var onSegment = !!document.getElementById("segment-body");
    if (!onSegment) {
      if (e.key === "j" || e.key === "n") { listMove(1); e.preventDefault(); }
      else if (e.key === "k" || e.key === "p") { listMove(-1); e.preventDefault(); }
      else if (e.key === "Enter") {
        // the selected row, or else the first: the queue opens on its most informative unit (Enter on a
        // focused link or button keeps its own meaning)
        var s = document.querySelector("tr.unit-row.sel");
        var free = !document.activeElement || document.activeElement === document.body;
        if (!s && free) s = listRows()[0];
        if (s) window.location = s.dataset.href;
      }
      return;
    }
    if (leaving) { e.preventDefault(); return; }
    if ((saving || waiting.length) && WAITING_KEYS.indexOf(e.key) >= 0) {
      waiting.push({ key: e.key, span: e.key === "s" ? selectionOffsets() : null }); e.preventDefault(); return;
    }
    if (segmentKey(e.key)) e.preventDefault();
  });

  // What is typed into the add-code box while another decision is saved stays there when the page confirming
  // that decision replaces the box (not when the box's own form was sent: that saved it).
  var typed = null;
  function keepTyped(e) {
    var sent = e.detail && e.detail.requestConfig && e.detail.requestConfig.elt;
    var box = document.getElementById("add-code");
    typed = box && box.value && !(sent && sent.contains(box)) ? box.value : null;
  }
  function restoreTyped() {
    var box = document.getElementById("add-code");
    if (box && !box.value && typed) box.value = typed;
    typed = null;
  }

  // A memo being written is kept for this tab until it is saved: it survives the page confirming another
  // decision, a reload, and a session that ended (the login page leads back to the unit). It is the analyst's
  // own, in the round it was written in: the next user of the tab never sees it, and logging out drops it.
  var DRAFT = "hoi-memo:";
  function draftKey() {
    var body = document.getElementById("segment-body"), user = document.body.dataset.user;
    return body && user ? DRAFT + [user, body.dataset.round || "", body.dataset.segment].join(":") : null;
  }
  function dropAllDrafts() {
    try {
      for (var i = sessionStorage.length - 1; i >= 0; i--) {
        var key = sessionStorage.key(i);
        if (key && key.indexOf(DRAFT) === 0) sessionStorage.removeItem(key);
      }
    } catch (err) { /* no storage: nothing kept */ }
  }
  document.addEventListener("submit", function (e) { if (e.target && e.target.id === "logout-form") dropAllDrafts(); });
  function keepDraft(box) {
    var key = draftKey(); if (!key) return;
    try { if (box.value) sessionStorage.setItem(key, box.value); else sessionStorage.removeItem(key); } catch (err) { /* no storage: nothing kept */ }
  }
  function restoreDraft() {
    var box = document.getElementById("memo-text"), key = draftKey();
    if (!box || !key || box.value) return;
    try { var draft = sessionStorage.getItem(key); if (draft) box.value = draft; } catch (err) { /* no storage */ }
  }
  function dropSavedDraft(e) {
    var sent = e.detail && e.detail.requestConfig && e.detail.requestConfig.elt, xhr = e.detail && e.detail.xhr;
    if (sent && sent.id === "memo-form" && xhr && xhr.status < 400) {
      try { sessionStorage.removeItem(draftKey()); } catch (err) { /* no storage */ }
    }
  }
  document.addEventListener("input", function (e) { if (e.target && e.target.id === "memo-text") keepDraft(e.target); });

  ready(function () {
    if (window.htmx) {
      htmx.config.responseHandling = [
        { code: "204", swap: false }, { code: "[23]..", swap: true },
        { code: "422", swap: true, error: false }, { code: "[45]..", swap: false, error: true }];
    }
    initialSelection();
    restoreDraft();
    document.querySelectorAll("[data-autosubmit]").forEach(function (el) {
      el.addEventListener("change", function () { submit(el.form); });
    });
    document.body.addEventListener("htmx:beforeRequest", function (e) {
      // A form sent from a text box (memo with Ctrl+Enter, a code with Enter) leaves the box: htmx
      // would focus the new box after the swap and the next shortcut (j, a, ...) would be typed into it.
      var el = document.activeElement;
      if (typing(el) && e.detail && e.detail.elt && e.detail.elt.contains(el)) el.blur();
    });
    document.body.addEventListener("htmx:beforeSend", function (e) {
      saving++; if (e.detail && e.detail.elt && e.detail.elt.id) sending[e.detail.elt.id] = typedText(e.detail.elt);
    });
    document.body.addEventListener("htmx:beforeSwap", function (e) { keepTyped(e); dropSavedDraft(e); });
    document.body.addEventListener("htmx:afterSwap", function () {
      initialSelection(); updateSpanForm(); restoreTyped(); restoreDraft();
    });
    document.body.addEventListener("htmx:afterRequest", function (e) {
      saving = Math.max(0, saving - 1); if (e.detail && e.detail.elt) delete sending[e.detail.elt.id];
      var xhr = e.detail && e.detail.xhr;
      if (!xhr || xhr.status >= 400 || !e.detail.successful) waiting = [];
    });
    // the new page's forms are htmx's once it settled: a key acting sooner sent its form as a plain page
    document.body.addEventListener("htmx:afterSettle", nextWaiting);
    document.body.addEventListener("htmx:responseError", function (e) {
      alert((document.body.dataset.msgSaveFailed || "The server could not save this. Reload the page; nothing you saw as saved is lost.") + " (" + e.detail.xhr.status + ")");
    });
    // the app did not answer (stopped, restarting): the page stays as it was, and says so (it looked unchanged)
    document.body.addEventListener("htmx:sendError", function () {
      alert(document.body.dataset.msgNotSent || "The app did not answer: this was not saved. Check that `hoi review` runs, then reload the page.");
    });
  });
})();
