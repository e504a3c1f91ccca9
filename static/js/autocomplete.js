// ESCO suggestions for inputs marked data-autocomplete="skill" or "occupation".
// Progressive enhancement: without JavaScript the fields still take free text.
(function () {
  "use strict";
  var counter = 0;
  function attach(input) {
    var kind = input.getAttribute("data-autocomplete");
    var list = document.createElement("datalist");
    list.id = "esco-suggestions-" + (++counter);
    input.setAttribute("list", list.id);
    input.setAttribute("autocomplete", "off");
    input.parentNode.appendChild(list);
    var timer = null;
    var lastQuery = "";
    input.addEventListener("input", function () {
      var query = input.value.trim();
      if (query.length < 2 || query === lastQuery) { return; }
      clearTimeout(timer);
      timer = setTimeout(function () {
        lastQuery = query;
        var url = "/taxonomy/search?kind=" + encodeURIComponent(kind) + "&q=" + encodeURIComponent(query);
        fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
          .then(function (response) { return response.ok ? response.json() : { results: [] }; })
          .then(function (data) {
            while (list.firstChild) { list.removeChild(list.firstChild); }
            data.results.forEach(function (hit) {
              var option = document.createElement("option");
              option.value = hit.label;
              list.appendChild(option);
            });
          })
          .catch(function () { /* suggestions are optional */ });
      }, 200);
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("[data-autocomplete]"), attach);
  });
})();
