/* Stepwise: the only script. Progressive enhancement: every page works without it.
   - the home page's search box filters the problem cards as you type;
   - "Copy LaTeX" copies the solution's LaTeX source;
   - the problem form leaves empty fields out of the URL, so links stay short;
   - a form too large for the server (data-max-bytes) is not sent: it says so and everything typed stays;
   - wide tables and long formulas say when they scroll sideways. */
(function () {
  "use strict";

  function ready(fn) {
    if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); }
  }

  function setupSearch() {
    var input = document.querySelector("input[data-filter]");
    if (!input) { return; }
    var cards = Array.prototype.slice.call(document.querySelectorAll(input.getAttribute("data-filter")));
    var count = document.querySelector(input.getAttribute("data-count"));
    var none = document.getElementById("no-match");
    function apply() {
      var terms = input.value.toLowerCase().split(/\s+/).filter(Boolean);
      var shown = 0;
      cards.forEach(function (card) {
        var text = card.getAttribute("data-search") || "";
        var ok = terms.every(function (t) { return text.indexOf(t) !== -1; });
        card.hidden = !ok;
        if (ok) { shown += 1; }
      });
      document.querySelectorAll("section.topic").forEach(function (section) {
        section.hidden = !section.querySelector(".family-card:not([hidden])");
      });
      if (none) { none.hidden = shown !== 0 || cards.length === 0; }
      if (count) {
        count.textContent = terms.length ? shown + " of " + cards.length + " problems match" : cards.length + " problems";
      }
    }
    input.addEventListener("input", apply);
    if (input.value) { apply(); }
  }

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    return new Promise(function (resolve, reject) {
      var area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.className = "visually-hidden";
      document.body.appendChild(area);
      area.select();
      var ok = false;
      try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
      document.body.removeChild(area);
      if (ok) { resolve(); } else { reject(new Error("copy failed")); }
    });
  }

  function setupCopy() {
    document.querySelectorAll("button[data-copy]").forEach(function (button) {
      button.addEventListener("click", function () {
        var source = document.querySelector(button.getAttribute("data-copy"));
        var status = document.getElementById("copy-status");
        if (!source) { return; }
        copyText(source.value || source.textContent).then(function () {
          if (status) { status.textContent = "LaTeX copied."; }
          button.classList.add("done");
        }, function () {
          if (status) { status.textContent = "Could not copy; the LaTeX download has the same text."; }
        });
      });
    });
  }

  function setupCleanUrls() {
    document.querySelectorAll("form.problem-form").forEach(function (form) {
      form.addEventListener("submit", function () {
        form.querySelectorAll("input[type=text], textarea, select").forEach(function (el) {
          if (!el.value.trim()) { el.disabled = true; }
        });
      });
    });
    // coming back to the page (back button): re-enable what was disabled for the submission
    window.addEventListener("pageshow", function () {
      document.querySelectorAll("form.problem-form [disabled]").forEach(function (el) { el.disabled = false; });
    });
  }

  function encodedSize(form) {
    var size = 0;
    new FormData(form).forEach(function (value, key) {
      if (typeof value !== "string") { size += value.size || 0; return; }
      size += encodeURIComponent(key).length + encodeURIComponent(value).length + 2;
    });
    return size;
  }

  function setupSizeGuard() {
    document.querySelectorAll("form[data-max-bytes]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        var limit = parseInt(form.getAttribute("data-max-bytes"), 10);
        var size = encodedSize(form);
        var note = form.querySelector(".size-guard");
        if (!limit || size <= limit) {
          if (note) { note.hidden = true; }
          return;
        }
        event.preventDefault();
        event.stopImmediatePropagation();  // nothing is sent, so nothing is disabled for the sending either
        if (!note) {
          note = document.createElement("p");
          note.className = "error-banner size-guard";
          note.setAttribute("role", "alert");
          var actions = form.querySelector(".form-actions") || form.lastElementChild;
          form.insertBefore(note, actions);
        }
        note.hidden = false;
        note.textContent = "This is too large to send from the web form (" + Math.ceil(size / 1024) + " KB; at most " +
          Math.floor(limit / 1024) + " KB), so nothing was sent and everything you typed is still here. " +
          (form.getAttribute("data-large-help") || "");
        note.scrollIntoView({block: "center"});
      });
    });
  }

  function setupScrollCues() {
    // a wide table or a long formula scrolls inside its box: mark the side with more to see
    var boxes = document.querySelectorAll(".table-scroll, .derivation dd, .statement");
    function mark(box) {
      var more = box.scrollWidth - box.clientWidth > 2;
      box.classList.toggle("scrolls", more);
      box.classList.toggle("more-right", more && box.scrollLeft + box.clientWidth < box.scrollWidth - 2);
      box.classList.toggle("more-left", more && box.scrollLeft > 2);
      if (more && !box.hasAttribute("tabindex")) {
        box.setAttribute("tabindex", "0");  // reachable by keyboard, to scroll with the arrow keys
        if (!box.getAttribute("aria-label")) { box.setAttribute("aria-label", "scrolls sideways"); }
      }
    }
    boxes.forEach(function (box) {
      mark(box);
      box.addEventListener("scroll", function () { mark(box); }, {passive: true});
    });
    window.addEventListener("resize", function () { boxes.forEach(mark); });
  }

  ready(function () {
    setupSearch();
    setupCopy();
    setupSizeGuard();  // before the clean URLs: a form that is not sent keeps its fields enabled
    setupCleanUrls();
    setupScrollCues();
  });
}());
