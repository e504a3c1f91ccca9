// A page waiting for background work (a need's ranking being made, a staff export or
// assignment run): ask the status endpoint now and then and, once it says the work is ready
// (`status: "ready"` or `ready: true`), put the page's new section in place of the waiting one
// (no reload). The section is aria-live, so screen readers hear the change. Without JavaScript
// the page's "Refresh" link does the same by hand.
(function () {
  "use strict";
  var section = document.querySelector("[data-ranking-status], [data-pending-status]");
  if (!section || !window.fetch) {
    return;
  }
  var delay = 1500;
  var tries = 0;

  function replaceSection(html) {
    var page = new DOMParser().parseFromString(html, "text/html");
    var fresh = page.getElementById(section.id);
    if (!fresh) {
      return;
    }
    section.innerHTML = fresh.innerHTML;
    section.removeAttribute("data-ranking-status");
    section.removeAttribute("data-pending-status");
    section.setAttribute("aria-busy", "false");
  }

  function ask() {
    tries += 1;
    var url =
      section.getAttribute("data-ranking-status") || section.getAttribute("data-pending-status");
    fetch(url, {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (body) {
        if (body && (body.status === "ready" || body.ready === true)) {
          return fetch(body.page, { credentials: "same-origin" })
            .then(function (response) { return response.text(); })
            .then(replaceSection);
        }
        if (tries < 120) {
          delay = Math.min(delay * 1.3, 10000);
          window.setTimeout(ask, delay);
        }
      })
      .catch(function () {
        if (tries < 120) {
          window.setTimeout(ask, 10000);
        }
      });
  }

  window.setTimeout(ask, delay);
})();
