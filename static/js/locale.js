// The language menu in the header applies the chosen language at once. Without JavaScript the
// form keeps its own "Change" button (in <noscript>), so the switch works either way.
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var select = event.target;
    if (select.matches && select.matches("select[data-submit-on-change]") && select.form) {
      select.form.submit();
    }
  });
})();
