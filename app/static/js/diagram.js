/* Render a procedure's BPMN with the bpmn-js NavigatedViewer (window.BpmnJS)
   and mark the completed and current steps of a dossier. */
(function () {
  "use strict";

  function ids(container, name) {
    try { return JSON.parse(container.getAttribute(name) || "[]"); } catch (e) { return []; }
  }

  function mark(viewer, container) {
    var canvas = viewer.get("canvas");
    var registry = viewer.get("elementRegistry");
    var current = ids(container, "data-current");
    ids(container, "data-completed").forEach(function (id) {
      if (registry.get(id) && current.indexOf(id) < 0) canvas.addMarker(id, "step-done");
    });
    current.forEach(function (id) { if (registry.get(id)) canvas.addMarker(id, "step-current"); });
  }

  function fail(container) {
    container.querySelector(".diagram-status").textContent = "Không hiển thị được sơ đồ quy trình.";
    container.classList.add("is-error");
  }

  function show(container) {
    if (!window.BpmnJS) return fail(container);
    var viewer = new window.BpmnJS({ container: container });
    fetch(container.getAttribute("data-src"), { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.text();
      })
      .then(function (xml) { return viewer.importXML(xml); })
      .then(function () {
        mark(viewer, container);
        viewer.get("canvas").zoom("fit-viewport", "auto");
        container.querySelector(".diagram-status").remove();
        container.classList.add("is-ready");
      })
      .catch(function () { fail(container); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".diagram[data-src]").forEach(show);
  });
})();
