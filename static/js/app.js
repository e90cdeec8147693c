/* TrustRepair's small behaviours. No inline scripts anywhere: the CSP forbids them. */
(function () {
  "use strict";

  /* Quick exit: leave for a neutral page and replace this history entry so
     the Back button does not return here. Esc pressed three times within
     1.5 seconds does the same from anywhere on the page. */
  function quickExit(url) {
    try { document.body.style.display = "none"; } catch (e) { /* keep going */ }
    window.location.replace(url);
  }
  function exitUrl() {
    var link = document.querySelector("[data-quick-exit]");
    return link ? link.getAttribute("href") : "https://www.bbc.co.uk/weather";
  }
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("[data-quick-exit]");
    if (link) {
      event.preventDefault();
      quickExit(link.getAttribute("href"));
    }
  });
  var escPresses = [];
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    var now = Date.now();
    escPresses = escPresses.filter(function (t) { return now - t < 1500; });
    escPresses.push(now);
    if (escPresses.length >= 3) { quickExit(exitUrl()); }
  });

  /* Time zone pickers start on the browser's own zone when the form is fresh
     (never overriding what the person chose or what the server sent back). */
  function preselectTimezone(root) {
    var zone;
    try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { return; }
    if (!zone) { return; }
    root.querySelectorAll("select[data-browser-timezone]").forEach(function (select) {
      var form = select.form;
      if (select.dataset.tzTouched || (form && form.querySelector(".field--error"))) { return; }
      var chosen = select.querySelector("option[selected]");
      if (chosen && chosen.value !== "UTC") { return; }
      if (select.querySelector('option[value="' + zone.replace(/"/g, "") + '"]')) {
        select.value = zone;
      }
      select.addEventListener("change", function () { select.dataset.tzTouched = "1"; });
    });
  }

  /* Confirmation for destructive buttons: <button data-confirm="…">. */
  document.addEventListener("submit", function (event) {
    var submitter = event.submitter;
    var message = (submitter && submitter.dataset.confirm) || event.target.dataset.confirm;
    if (message && !window.confirm(message)) { event.preventDefault(); }
  });

  document.addEventListener("DOMContentLoaded", function () { preselectTimezone(document); });
  document.addEventListener("htmx:load", function (event) { preselectTimezone(event.target); });
})();
