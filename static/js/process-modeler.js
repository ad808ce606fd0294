/* The process-map modeler (bpmn-js, served by the app). Configuration comes from the page's
   json_script "process-modeler-config" (no inline script: the CSP allows scripts from 'self' only).
   Loads the draft's BPMN, and on "Save the draft" posts the BPMN XML and the drawing (SVG) with the
   reason for change and the CSRF token; the server checks both and answers in JSON. */
(function () {
  "use strict";

  var configNode = document.getElementById("process-modeler-config");
  var container = document.querySelector("[data-process-modeler]");
  if (!configNode || !container || typeof window.BpmnJS !== "function") {
    return;
  }
  var config = JSON.parse(configNode.textContent);
  var statusBox = document.querySelector("[data-map-status]");
  var saveButton = document.querySelector("[data-map-save]");
  var reasonInput = document.querySelector("[data-map-reason]");
  var dirty = false;

  var modeler = new window.BpmnJS({ container: container, keyboard: { bindTo: document } });
  // For assistive tests and the browser journey: the modeler the page drives.
  window.processModeler = modeler;

  function say(kind, lines) {
    if (!statusBox) return;
    statusBox.replaceChildren();
    var box = document.createElement("div");
    box.className = "alert alert-" + kind;
    box.setAttribute("data-map-status-" + kind, "");
    lines.forEach(function (line, index) {
      if (index) box.appendChild(document.createElement("br"));
      box.appendChild(document.createTextNode(line));
    });
    statusBox.appendChild(box);
  }

  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  var source = config.blankXml
    ? Promise.resolve(config.blankXml)
    : fetch(config.bpmnUrl, { credentials: "same-origin" }).then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.text();
      });
  source
    .then(function (xml) {
      return modeler.importXML(xml);
    })
    .then(function () {
      modeler.get("canvas").zoom("fit-viewport");
      container.setAttribute("data-modeler-ready", "");
      modeler.on("commandStack.changed", function () {
        dirty = true;
      });
    })
    .catch(function (error) {
      say("danger", [String(error && error.message ? error.message : error)]);
    });

  window.addEventListener("beforeunload", function (event) {
    if (dirty && config.editable) {
      event.preventDefault();
      event.returnValue = config.messages.unsaved;
    }
  });

  if (!saveButton || !config.editable) return;

  saveButton.addEventListener("click", function () {
    var reason = reasonInput ? reasonInput.value.trim() : "";
    if (!reason) {
      say("warning", [config.messages.reasonNeeded]);
      if (reasonInput) reasonInput.focus();
      return;
    }
    saveButton.disabled = true;
    Promise.all([modeler.saveXML({ format: true }), modeler.saveSVG()])
      .then(function (results) {
        var body = new FormData();
        body.append("csrfmiddlewaretoken", csrfToken());
        body.append("bpmn", results[0].xml);
        body.append("svg", results[1].svg);
        body.append("change_reason", reason);
        return fetch(config.saveUrl, {
          method: "POST",
          body: body,
          credentials: "same-origin",
          headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
        });
      })
      .then(function (response) {
        return response.json().then(function (data) {
          return { ok: response.ok && data.ok, data: data };
        });
      })
      .then(function (result) {
        if (result.ok) {
          dirty = false;
          say("success", [result.data.message || config.messages.saved]);
          window.location.reload();
        } else {
          say("danger", [config.messages.failed].concat(result.data.errors || []));
        }
      })
      .catch(function (error) {
        say("danger", [config.messages.failed, String(error && error.message ? error.message : error)]);
      })
      .finally(function () {
        saveButton.disabled = false;
      });
  });
})();
