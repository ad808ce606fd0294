/* E-signature dialog: show the ceremony's refusals (4xx) inside the dialog, focus the first field. No inline scripts. */
(function () {
  "use strict";
  if (window.imsEsignLoaded) return;
  window.imsEsignLoaded = true;

  function inDialog(element) {
    return element && element.closest && element.closest(".esign-dialog");
  }

  // htmx does not swap error answers by default; the dialog shows "wrong password", "locked", … in place.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    if (inDialog(event.detail.target) && status >= 400 && status < 500) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    if (!inDialog(event.detail.target)) return;
    var field = event.detail.target.querySelector("input:not([type=hidden]):not([value]), input[type=password]");
    if (field) field.focus();
  });
})();
