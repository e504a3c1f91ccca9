// A live character count under fields marked data-counter="<limit>" (the summary). The count
// is announced politely, and only at a few thresholds, so a screen reader is not interrupted
// at every key. The limit itself is checked on the server, which keeps what was typed.
// Strings come translated on the script element (templates/_scripts.html): data-left, data-over.
(function () {
  "use strict";
  var node = document.currentScript;
  document.addEventListener("DOMContentLoaded", function () {
    var left = (node && node.getAttribute("data-left")) || "{n} characters left";
    var over = (node && node.getAttribute("data-over")) || "{n} characters too many";
    Array.prototype.forEach.call(document.querySelectorAll("[data-counter]"), function (field) {
      var limit = parseInt(field.getAttribute("data-counter"), 10);
      var shown = document.createElement("small");
      shown.id = field.id + "-counter";
      shown.className = "char-counter";
      shown.setAttribute("aria-hidden", "true");
      var spoken = document.createElement("div");
      spoken.className = "visually-hidden";
      spoken.setAttribute("role", "status");
      spoken.setAttribute("aria-live", "polite");
      field.parentNode.insertBefore(shown, field.nextSibling);
      field.parentNode.insertBefore(spoken, shown.nextSibling);
      var lastBand = null;
      function update(announce) {
        var remaining = limit - field.value.length;
        var message = (remaining >= 0 ? left : over).replace("{n}", String(Math.abs(remaining)));
        shown.textContent = message;
        shown.classList.toggle("over-limit", remaining < 0);
        // Speak when crossing 200 left, 50 left, 0, and when going over.
        var band = remaining < 0 ? "over" : remaining <= 50 ? "50" : remaining <= 200 ? "200" : "ok";
        if (announce && band !== lastBand && band !== "ok") { spoken.textContent = message; }
        lastBand = band;
      }
      field.addEventListener("input", function () { update(true); });
      update(false);
    });
  });
})();
