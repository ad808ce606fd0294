/* IMS Portal page behaviour: confirmations, copy buttons, auto-submitting selects. No inline scripts. */
(function () {
  "use strict";

  // <form data-confirm="Deactivate …?">: ask before a state change is posted.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });

  // <button data-copy-target="#id">: copy the target's value or text.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy-target]");
    if (!button) return;
    var target = document.querySelector(button.getAttribute("data-copy-target"));
    if (!target) return;
    var text = "value" in target ? target.value : target.textContent;
    var done = function () {
      var label = button.querySelector("[data-copy-label]");
      if (label) {
        var before = label.textContent;
        label.textContent = button.getAttribute("data-copied-text") || "Copied";
        window.setTimeout(function () { label.textContent = before; }, 2000);
      }
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done);
    } else {
      if (target.select) target.select();
      try { document.execCommand("copy"); done(); } catch (e) { /* the text stays selected */ }
    }
  });

  // <select data-autosubmit>: submit its form when the choice changes.
  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("select[data-autosubmit]")) {
      event.target.form.submit();
    }
  });
})();
