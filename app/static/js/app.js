/* Small enhancements; every page works without them. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  document.addEventListener("DOMContentLoaded", function () {
    // A select that chooses what the page shows submits its form at once.
    document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
      select.addEventListener("change", function () { if (select.value) select.form.submit(); });
    });

    // "Add a line" for documents: copy the row template with the next index.
    document.querySelectorAll("[data-add-row]").forEach(function (button) {
      button.addEventListener("click", function () {
        var fieldset = button.closest("fieldset");
        var rows = fieldset.querySelector(".doc-rows");
        var index = Number(rows.dataset.nextIndex);
        var html = fieldset.querySelector("template").innerHTML.split("__i__").join(String(index));
        rows.insertAdjacentHTML("beforeend", html);
        rows.dataset.nextIndex = String(index + 1);
        rows.lastElementChild.querySelector("input").focus();
      });
    });

    // On phones tables become cards: label each cell with its column header.
    document.querySelectorAll("table.table").forEach(function (table) {
      var headers = Array.prototype.map.call(table.tHead.rows[0].cells, function (cell) {
        return cell.textContent.trim();
      });
      Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
        Array.prototype.forEach.call(row.cells, function (cell, i) {
          if (headers[i]) cell.setAttribute("data-label", headers[i]);
        });
      });
    });
  });
})();
