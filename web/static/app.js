/* Stepwise: the only script. Progressive enhancement: every page works without it.
   - the home page's search box filters the problem cards as you type;
   - "Copy LaTeX" copies the solution's LaTeX source;
   - the problem form leaves empty fields out of the URL, so links stay short. */
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

  ready(function () {
    setupSearch();
    setupCopy();
    setupCleanUrls();
  });
}());
