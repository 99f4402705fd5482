/* The procedure modeler: bpmn-js Modeler with the Camunda 7 properties panel
   (window.BpmnModeler etc. come from vendor-build/modeler.bundle.js), a side form
   for the project's step properties (role from the role table, timeLimit, unit),
   the diagram check shown on the elements, and checking / saving / publishing /
   test runs through the REST API (/api/v1), with the session cookie and the page's
   CSRF token in the X-CSRFToken header. Its errors are problem+json. */
(function () {
  "use strict";

  var CHECK_OVERLAY = "check-result";
  var SESSION_LOST = "Phiên làm việc đã hết hạn. Hãy xuất tệp .bpmn để giữ sơ đồ, rồi tải lại trang và đăng nhập.";
  var NOT_JSON = "Máy chủ không trả lời như mong đợi. Vui lòng thử lại sau.";
  // what the catalogue needs before it can be saved (the API would refuse it less kindly)
  var REQUIRED = { code: "Cần nhập mã thủ tục.", name: "Cần nhập tên thủ tục.",
                   legal_limit: "Cần nhập thời hạn giải quyết." };
  // the catalogue fields that are one input each (fee and documents are built apart)
  var TEXT_FIELDS = ["code", "name", "field", "level", "legal_limit", "effective_from", "effective_to"];
  // version: the stored version the page edits (null until saved); dirty: changed since loaded or saved
  var state = { modeler: null, data: null, version: null, selected: null, dirty: false };

  // --- Talking to the REST API ---------------------------------------------------

  function csrfToken() {
    return document.querySelector("meta[name='csrf-token']").getAttribute("content");
  }

  /** ``method`` on ``path`` under /api/v1 → {ok, status, body}; a refusal's body is the
      problem (title, detail, errors: [{field} or {element_id, line}, message]). */
  function call(method, path, body) {
    var headers = { "Accept": "application/json", "X-CSRFToken": csrfToken() };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    return fetch(state.data.urls.api + path, {
      method: method, credentials: "same-origin", headers: headers,
      body: body === undefined ? undefined : JSON.stringify(body)
    }).then(answerOf);
  }

  function answerOf(response) {
    if (response.status === 204) return { ok: true, status: 204, body: {} };
    if ((response.headers.get("Content-Type") || "").indexOf("json") < 0) return refusal(response.status, NOT_JSON);
    return response.json().then(function (body) {
      if (sessionLost(response.status, body)) return refusal(response.status, SESSION_LOST);
      return { ok: response.ok, status: response.status, body: body };
    });
  }

  /** 401: the session ended; 403 "CSRF": the page's token no longer belongs to the session. */
  function sessionLost(status, problem) {
    return status === 401 || (status === 403 && problem.title === "CSRF");
  }

  function refusal(status, detail) { return { ok: false, status: status, body: { detail: detail } }; }

  function procedurePath(code) { return "/procedures/" + encodeURIComponent(code); }

  function versionPath(version) { return procedurePath(version.code) + "/versions/" + version.version; }

  function runPath(run) { return "/test-runs/" + encodeURIComponent(run.code); }

  function say(text, tone) {
    var box = document.getElementById("modeler-message");
    box.innerHTML = "";
    if (!text) return;
    var alert = document.createElement("div");
    alert.className = "alert alert-" + (tone || "info");
    alert.textContent = text;
    box.appendChild(alert);
  }

  // --- Catalogue form ------------------------------------------------------------

  function field(name) { return document.getElementById("f-" + name); }

  function fillCatalogue(catalogue) {
    TEXT_FIELDS.forEach(function (name) {
      if (catalogue[name] != null) field(name).value = catalogue[name];
    });
    field("fee_amount").value = (catalogue.fee && catalogue.fee.amount) || 0;
    field("fee_description").value = (catalogue.fee && catalogue.fee.description) || "";
    (catalogue.documents || []).forEach(addDocument);
    if (catalogue.code) field("code").readOnly = true;  // a procedure's code never changes
  }

  /** The catalogue as the API takes it: an empty date is no date. */
  function readCatalogue() {
    var catalogue = {};
    TEXT_FIELDS.forEach(function (name) {
      catalogue[name] = field(name).value.trim();
    });
    ["effective_from", "effective_to"].forEach(function (name) { catalogue[name] = catalogue[name] || null; });
    catalogue.fee = { amount: parseInt(field("fee_amount").value, 10) || 0,
                      description: field("fee_description").value.trim() };
    catalogue.documents = Array.prototype.map.call(document.querySelectorAll("#doc-rows .doc-row"), function (row) {
      return { name: row.querySelector("[data-doc='name']").value.trim(),
               copies: parseInt(row.querySelector("[data-doc='copies']").value, 10) || 1,
               required: row.querySelector("[data-doc='required']").checked };
    }).filter(function (doc) { return doc.name; });
    return catalogue;
  }

  /** A row of the required documents: name, number of copies, required or "if any". */
  function addDocument(doc) {
    var rows = document.getElementById("doc-rows");
    rows.appendChild(document.getElementById("doc-row-template").content.cloneNode(true));
    var row = rows.lastElementChild;
    row.querySelector("[data-doc='name']").value = doc.name || "";
    row.querySelector("[data-doc='copies']").value = doc.copies || 1;
    row.querySelector("[data-doc='required']").checked = doc.required !== false;
    row.querySelector("[data-doc-remove]").addEventListener("click", function () {
      row.remove();
      state.dirty = true;
    });
    return row;
  }

  function wireDocuments() {
    document.getElementById("add-document").addEventListener("click", function () {
      addDocument({}).querySelector("input").focus();
    });
  }

  function showFieldErrors(errors) {
    document.querySelectorAll("#catalogue-form .field-error").forEach(function (node) { node.remove(); });
    document.querySelectorAll("#catalogue-form [aria-invalid]").forEach(function (node) {
      node.removeAttribute("aria-invalid");
    });
    errors.forEach(function (error) {
      var name = String(error.field).split(".")[0];  // "fee.amount", "documents.0.name"
      if (name === "fee") name = "fee_amount";
      var control = name && field(name);
      if (!control) return;
      control.setAttribute("aria-invalid", "true");
      var note = document.createElement("p");
      note.className = "field-error";
      note.textContent = error.message;
      control.insertAdjacentElement("afterend", note);
    });
  }

  // --- Camunda extension elements of a user task ----------------------------------

  function extension(element, type) {
    var ext = element.businessObject.get("extensionElements");
    return ext && ext.get("values").filter(function (value) { return value.$instanceOf(type); })[0];
  }

  function property(element, name) {
    var props = extension(element, "camunda:Properties");
    return props && props.get("values").filter(function (p) { return p.name === name; })[0];
  }

  /** The extensionElements / camunda:properties container, created through modeling so undo works. */
  function propertiesOf(element) {
    var moddle = state.modeler.get("moddle"), modeling = state.modeler.get("modeling");
    var bo = element.businessObject;
    var ext = bo.get("extensionElements");
    if (!ext) {
      ext = moddle.create("bpmn:ExtensionElements", { values: [] });
      ext.$parent = bo;
      modeling.updateProperties(element, { extensionElements: ext });
    }
    var props = extension(element, "camunda:Properties");
    if (!props) {
      props = moddle.create("camunda:Properties", { values: [] });
      props.$parent = ext;
      modeling.updateModdleProperties(element, ext, { values: ext.get("values").concat(props) });
    }
    return props;
  }

  /** Set (or with an empty value remove) the camunda:property ``name`` of a task. */
  function setProperty(element, name, value) {
    var modeling = state.modeler.get("modeling");
    var existing = property(element, name);
    if (!value) {
      if (existing) {
        var holder = existing.$parent;
        modeling.updateModdleProperties(element, holder, {
          values: holder.get("values").filter(function (p) { return p !== existing; }) });
      }
      return;
    }
    if (existing) return modeling.updateModdleProperties(element, existing, { value: value });
    var props = propertiesOf(element);
    var created = state.modeler.get("moddle").create("camunda:Property", { name: name, value: value });
    created.$parent = props;
    modeling.updateModdleProperties(element, props, { values: props.get("values").concat(created) });
  }

  // --- Side form of the selected user task ---------------------------------------

  function stepForm() { return document.getElementById("step-form"); }

  function showStep(element) {
    var form = stepForm();
    var isTask = element && element.type === "bpmn:UserTask";
    state.selected = isTask ? element : null;
    form.hidden = !isTask;
    document.getElementById("step-hint").hidden = isTask;
    if (!isTask) return;
    var bo = element.businessObject;
    form.querySelector("[data-step-name]").textContent = bo.name || bo.id;
    var role = bo.get("camunda:candidateGroups") || "";
    var select = document.getElementById("step-role");
    ensureOption(select, role);
    select.value = role;
    var limit = property(element, "timeLimit"), unit = property(element, "unit");
    document.getElementById("step-time-limit").value = limit ? limit.value : "";
    document.getElementById("step-unit").value = unit ? unit.value : "";
  }

  /** A role the file names but the role table lacks still shows (the check reports it). */
  function ensureOption(select, code) {
    if (!code || select.querySelector("option[value='" + CSS.escape(code) + "']")) return;
    select.appendChild(new Option(code + " (không có trong danh mục)", code));
  }

  function wireStepForm() {
    document.getElementById("step-role").addEventListener("change", function (event) {
      if (!state.selected) return;
      state.modeler.get("modeling").updateProperties(state.selected, {
        "camunda:candidateGroups": event.target.value || undefined });
    });
    [["step-time-limit", "timeLimit"], ["step-unit", "unit"]].forEach(function (pair) {
      document.getElementById(pair[0]).addEventListener("change", function (event) {
        if (state.selected) setProperty(state.selected, pair[1], event.target.value.trim());
      });
    });
  }

  function loadRoles() {
    return call("GET", "/roles").then(function (answer) {
      if (!answer.ok) return say(answer.body.detail || "Không tải được danh mục vai trò.", "error");
      var select = document.getElementById("step-role");
      answer.body.forEach(function (role) { select.appendChild(new Option(role.name + " (" + role.code + ")", role.code)); });
    });
  }

  // --- Check results on the elements --------------------------------------------

  function clearResults() {
    var canvas = state.modeler.get("canvas");
    state.modeler.get("overlays").remove({ type: CHECK_OVERLAY });
    state.modeler.get("elementRegistry").getAll().forEach(function (element) {
      canvas.removeMarker(element, "check-error");
      canvas.removeMarker(element, "check-warning");
    });
    var box = document.getElementById("check-results");
    box.hidden = true;
    box.querySelector("ul").innerHTML = "";
  }

  /** A shape or connection of the diagram (not the process itself, which has no outline). */
  function drawnElement(id) {
    var element = id && state.modeler.get("elementRegistry").get(id);
    return element && element !== state.modeler.get("canvas").getRootElement() ? element : null;
  }

  function markElement(element, problem, tone) {
    state.modeler.get("canvas").addMarker(element, "check-" + tone);
    if (element.waypoints) return;  // connections get the outline colour only
    var badge = document.createElement("div");
    badge.className = "check-badge check-badge-" + tone;
    badge.title = problem.message;
    badge.textContent = (tone === "error" ? "✖ " : "⚠ ") + problem.message;
    state.modeler.get("overlays").add(element, CHECK_OVERLAY, { position: { bottom: -6, left: 0 }, html: badge });
  }

  function listItem(problem, tone, element) {
    var item = document.createElement("li");
    item.className = "check-item check-item-" + tone;
    var label = (tone === "error" ? "Lỗi" : "Cảnh báo") + (problem.element_id ? " tại " + problem.element_id : "") +
      (problem.line ? " (dòng " + problem.line + ")" : "") + ": ";
    if (element) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "link-button";
      button.textContent = label + problem.message;
      button.addEventListener("click", function () {
        state.modeler.get("selection").select(element);
        state.modeler.get("canvas").scrollToElement(element);
      });
      item.appendChild(button);
    } else {
      item.textContent = label + problem.message;
    }
    return item;
  }

  function showResults(errors, warnings) {
    clearResults();
    var box = document.getElementById("check-results"), list = box.querySelector("ul");
    var elementProblems = function (problems, tone) {
      problems.filter(function (p) { return !p.field; }).forEach(function (problem) {
        var element = drawnElement(problem.element_id);
        if (element) markElement(element, problem, tone);
        list.appendChild(listItem(problem, tone, element));
      });
    };
    elementProblems(errors, "error");
    elementProblems(warnings, "warning");
    showFieldErrors(errors.filter(function (p) { return p.field; }));
    box.hidden = !list.children.length;
  }

  // --- Test run: a sandbox dossier clicked through on the saved version ------------

  var TestRun = (function () {
    var run = null;

    function box() { return document.getElementById("test-run"); }

    /** "dd/mm/yyyy HH:MM" of an ISO time the server gave in its own zone. */
    function dateTime(iso) {
      return iso ? iso.slice(8, 10) + "/" + iso.slice(5, 7) + "/" + iso.slice(0, 4) + " " + iso.slice(11, 16) : "—";
    }

    function element(tag, className, text) {
      var node = document.createElement(tag);
      if (className) node.className = className;
      if (text != null) node.textContent = text;
      return node;
    }

    function timeliness(value) { return value ? " (" + (state.data.timeliness_labels[value] || value) + ")" : ""; }

    function markSteps() {
      var canvas = state.modeler.get("canvas");
      state.modeler.get("elementRegistry").getAll().forEach(function (el) {
        canvas.removeMarker(el, "run-done");
        canvas.removeMarker(el, "run-current");
      });
      if (!run) return;
      run.path.forEach(function (step) { if (drawnElement(step.element_id)) canvas.addMarker(step.element_id, "run-done"); });
      run.open_steps.forEach(function (step) {
        if (drawnElement(step.element_id)) canvas.addMarker(step.element_id, "run-current");
      });
    }

    function summary() {
      var text = "Phiên bản " + run.version + " · tiếp nhận " + dateTime(run.received_at) +
        " · hạn giải quyết " + dateTime(run.due_at);
      if (run.completed) text += " · đã đi hết quy trình lúc " + dateTime(run.finished_at) + timeliness(run.timeliness);
      return text;
    }

    function pathItem(step) {
      return element("li", null, step.name + " — " + (step.unit_name || "") + ", hạn " + dateTime(step.due_at) +
        ", xong " + dateTime(step.completed_at) + timeliness(step.timeliness));
    }

    /** A control for one form field of the open step; ``read`` gives its value as JSON wants it. */
    function control(field, prefix) {
      var id = prefix + field.id, input;
      if (field.type === "boolean" || field.type === "enum") {
        input = element("select");
        input.appendChild(new Option("— Chọn —", ""));
        var options = field.type === "boolean" ? [{ value: "true", label: "Có" }, { value: "false", label: "Không" }]
          : field.options;
        options.forEach(function (option) { input.appendChild(new Option(option.label, option.value)); });
      } else {
        input = element("input");
        input.type = { long: "number", date: "date" }[field.type] || "text";
      }
      input.id = id;
      input.name = field.id;
      input.dataset.type = field.type;
      var wrapper = element("div", "field");
      var label = element("label", null, field.label);
      label.htmlFor = id;
      if (field.required) label.appendChild(element("span", "req", "*"));
      wrapper.appendChild(label);
      wrapper.appendChild(input);
      return wrapper;
    }

    function read(form) {
      var data = {};
      form.querySelectorAll("[data-type]").forEach(function (input) {
        if (input.value === "") return;
        var type = input.dataset.type;
        data[input.name] = type === "boolean" ? input.value === "true" : type === "long" ? Number(input.value) : input.value;
      });
      return data;
    }

    function openStep(step) {
      var form = element("form", "run-step");
      form.noValidate = true;
      form.appendChild(element("h4", null, "Đang xử lý: " + step.name));
      form.appendChild(element("p", "muted", "Vai trò " + step.role + " · " + (step.unit_name || "") +
        " · thời hạn " + step.time_limit + " · hạn " + dateTime(step.due_at)));
      (step.form || []).forEach(function (field) { form.appendChild(control(field, "run-" + step.task_id + "-")); });
      var button = element("button", "btn btn-primary btn-small", "Hoàn thành bước");
      button.type = "submit";
      form.appendChild(button);
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        button.disabled = true;
        complete(step, form).then(function () { button.disabled = false; });
      });
      return form;
    }

    function complete(step, form) {
      var path = runPath(run) + "/tasks/" + step.task_id + "/complete";
      return call("POST", path, { data: read(form) }).then(function (answer) {
        if (answer.ok) return show(answer.body);
        form.querySelectorAll(".field-error").forEach(function (node) { node.remove(); });
        (answer.body.errors || []).forEach(function (error) {
          var input = form.querySelector("[name='" + CSS.escape(error.field || "") + "']");
          var note = element("p", "field-error", error.message);
          if (input) input.insertAdjacentElement("afterend", note); else form.insertBefore(note, form.lastChild);
        });
        if (!answer.body.errors) say(answer.body.detail || "Không hoàn thành được bước.", "error");
      });
    }

    function show(answer) {
      run = answer;
      var section = box();
      section.hidden = false;
      section.querySelector("[data-run-code]").textContent = run.code;
      section.querySelector("[data-run-summary]").textContent = summary();
      var path = section.querySelector("[data-run-path]");
      path.innerHTML = "";
      run.path.forEach(function (step) { path.appendChild(pathItem(step)); });
      if (!run.path.length) path.appendChild(element("li", "muted", "Chưa có bước nào."));
      var open = section.querySelector("[data-run-open]");
      open.innerHTML = "";
      run.open_steps.forEach(function (step) { open.appendChild(openStep(step)); });
      markSteps();
    }

    function start() {
      var previous = run;
      return call("POST", versionPath(state.version) + "/test-runs").then(function (answer) {
        if (!answer.ok) return say(answer.body.detail || "Không chạy thử được.", "error");
        if (previous) call("DELETE", runPath(previous));  // one run at a time: the previous one goes
        show(answer.body);
        say("Đã tạo hồ sơ chạy thử " + answer.body.code + " trên phiên bản " + answer.body.version +
            " đã lưu. Hãy làm lần lượt các bước bên dưới sơ đồ.", "info");
        box().scrollIntoView({ block: "nearest" });
      });
    }

    function stop() {
      if (!run) return;
      call("DELETE", runPath(run));
      run = null;
      markSteps();
      box().hidden = true;
    }

    document.addEventListener("DOMContentLoaded", function () {
      box().querySelector("[data-run-close]").addEventListener("click", stop);
    });
    return { start: start };
  })();

  // --- Toolbar actions ------------------------------------------------------------

  /** The diagram as the API takes it, with ``fields`` (catalogue fields, a legal limit…) beside it. */
  function diagramWith(fields) {
    return state.modeler.saveXML({ format: true }).then(function (result) {
      return Object.assign({}, fields, { bpmn_xml: result.xml, forms: {} });
    });
  }

  /** The longest path is measured against the legal limit once there is one. */
  function check() {
    var limit = field("legal_limit").value.trim();
    return diagramWith(limit ? { legal_limit: limit } : {})
      .then(function (body) { return call("POST", "/procedures/check", body); })
      .then(function (answer) {
        if (!answer.ok) {
          showResults(answer.body.errors || [], []);
          return say(answer.body.detail || "Không kiểm tra được sơ đồ.", "error");
        }
        var errors = answer.body.errors || [], warnings = answer.body.warnings || [];
        showResults(errors, warnings);
        if (errors.length) say("Sơ đồ còn " + errors.length + " lỗi cần sửa.", "error");
        else say("Sơ đồ hợp lệ" + (warnings.length ? ", có " + warnings.length + " cảnh báo." : "."), "success");
      });
  }

  /** Publishing needs a saved draft; a test run any saved version. */
  function enableButtons() {
    document.querySelectorAll("button[data-action]").forEach(function (button) {
      var action = button.dataset.action;
      button.disabled = (action === "publish" && !(state.version && state.version.status === "draft")) ||
        (action === "test-run" && !state.version);
    });
  }

  function setVersion(version) {
    state.version = version;
    document.getElementById("modeler-version").textContent =
      version.status === "draft" ? "Bản nháp số " + version.version : "Phiên bản " + version.version + " đang áp dụng";
    field("code").readOnly = true;
    document.querySelector("h1").textContent = "Soạn quy trình: " + field("name").value.trim();
    enableButtons();
  }

  /** Over the draft being edited (its code never changes); else a new draft of this
      procedure; else a new procedure, which must not take an existing code. */
  function saveRequest(catalogue) {
    if (state.version && state.version.status === "draft") {
      delete catalogue.code;
      return diagramWith(catalogue).then(function (body) { return call("PUT", versionPath(state.version), body); });
    }
    if (state.version) catalogue.code = state.version.code;
    else catalogue.new_procedure = true;
    return diagramWith(catalogue).then(function (body) { return call("POST", "/procedures", body); });
  }

  function missingFields(catalogue) {
    return Object.keys(REQUIRED).filter(function (name) { return !catalogue[name]; })
      .map(function (name) { return { field: name, message: REQUIRED[name] }; });
  }

  function editUrl(code) { return state.data.urls.pages + "/" + encodeURIComponent(code) + "/soan"; }

  function save() {
    var catalogue = readCatalogue(), missing = missingFields(catalogue);
    if (missing.length) {
      showResults(missing, []);
      say("Hãy nhập đủ thông tin thủ tục trước khi lưu.", "error");
      return Promise.resolve(false);
    }
    return saveRequest(catalogue).then(function (answer) {
      if (!answer.ok) {
        showResults(answer.body.errors || [], []);
        say(answer.body.detail || "Không lưu được bản nháp.", "error");
        return false;
      }
      state.dirty = false;
      var warnings = answer.body.warnings || [];
      showResults([], warnings);
      setVersion(answer.body);
      history.replaceState(null, "", editUrl(answer.body.code));
      say("Đã lưu bản nháp số " + answer.body.version +
          (warnings.length ? " (" + warnings.length + " cảnh báo)." : "."), "success");
      return true;
    });
  }

  /** Publishing and test runs act on the stored version: store what is on screen first. */
  function savedFirst(then) {
    return function () {
      return (state.dirty || !state.version ? save() : Promise.resolve(true)).then(function (saved) {
        if (saved) return then();
      });
    };
  }

  function publish() {
    if (state.version.status !== "draft") return;
    return call("POST", versionPath(state.version) + "/publish").then(function (answer) {
      if (!answer.ok) {
        showResults(answer.body.errors || [], []);
        return say(answer.body.detail || "Không công bố được.", "error");
      }
      setVersion(answer.body);
      say("Đã công bố phiên bản " + answer.body.version + ": hồ sơ mới sẽ được giải quyết theo quy trình này.",
          "success");
    });
  }

  function importFile(input) {
    var file = input.files[0];
    if (!file) return;
    file.text().then(function (xml) { return state.modeler.importXML(xml); })
      .then(function () {
        clearResults();
        fitDiagram();
        state.dirty = true;
        say("Đã nhập tệp " + file.name + ". Bấm «Lưu bản nháp» để lưu.", "info");
      })
      .catch(function (error) { say("Không đọc được tệp " + file.name + ": " + error.message, "error"); })
      .then(function () { input.value = ""; });
  }

  function exportFile() {
    return state.modeler.saveXML({ format: true }).then(function (result) {
      var link = document.createElement("a");
      link.href = URL.createObjectURL(new Blob([result.xml], { type: "application/xml" }));
      link.download = (field("code").value.trim() || "quy-trinh") + ".bpmn";
      document.body.appendChild(link);
      link.click();
      link.remove();
      setTimeout(function () { URL.revokeObjectURL(link.href); }, 1000);
    });
  }

  function wireToolbar() {
    var actions = { check: check, save: save, publish: savedFirst(publish), export: exportFile, fit: fitDiagram,
                    "test-run": savedFirst(TestRun.start) };
    document.querySelectorAll("button[data-action]").forEach(function (button) {
      button.addEventListener("click", function () {
        button.disabled = true;
        Promise.resolve(actions[button.dataset.action]()).catch(function (error) {
          say("Đã có lỗi: " + error.message, "error");
        }).then(enableButtons);
      });
    });
    document.querySelector("input[data-action='import']").addEventListener("change", function (event) {
      importFile(event.target);
    });
  }

  /** The whole diagram in view, right of the palette that floats over the canvas,
      and a small diagram not blown up past its natural size. */
  function fitDiagram() {
    var canvas = state.modeler.get("canvas");
    var view = canvas.viewbox(), inner = view.inner, outer = view.outer;
    var palette = document.querySelector("#modeler-canvas .djs-palette");
    var left = (palette ? palette.offsetLeft + palette.offsetWidth : 0) + 20, margin = 20;
    var scale = Math.min(1, (outer.width - left - margin) / (inner.width || 1),
                         (outer.height - 2 * margin) / (inner.height || 1));
    canvas.viewbox({ x: inner.x - left / scale, y: inner.y - margin / scale,
                     width: outer.width / scale, height: outer.height / scale });
  }

  // --- Start ----------------------------------------------------------------------

  function start() {
    var container = document.getElementById("modeler-canvas");
    if (!window.BpmnModeler) {
      container.querySelector(".diagram-status").textContent = "Không tải được trình soạn sơ đồ (chạy make install).";
      return;
    }
    state.data = JSON.parse(document.getElementById("modeler-data").textContent);
    fillCatalogue(state.data.catalogue);
    state.version = state.data.version;
    enableButtons();
    var modeler = new window.BpmnModeler({
      container: container,
      propertiesPanel: { parent: "#modeler-panel" },
      additionalModules: window.camundaModelerModules,
      moddleExtensions: { camunda: window.camundaModdle }
    });
    state.modeler = window.modeler = modeler;  // the browser test drives the diagram through it
    modeler.on("commandStack.changed", function () { state.dirty = true; });
    document.getElementById("catalogue-form").addEventListener("input", function () { state.dirty = true; });
    modeler.on("selection.changed", function (event) { showStep(event.newSelection[0]); });
    modeler.on("elements.changed", function () { if (state.selected) showStep(state.selected); });
    wireStepForm();
    wireDocuments();
    wireToolbar();
    Promise.all([loadRoles(), modeler.importXML(state.data.bpmn_xml)])
      .then(function () {
        container.querySelector(".diagram-status").remove();
        fitDiagram();
        state.dirty = false;
        container.classList.add("is-ready");
      })
      .catch(function (error) { say("Không mở được sơ đồ: " + error.message, "error"); });
  }

  document.addEventListener("DOMContentLoaded", start);
})();
