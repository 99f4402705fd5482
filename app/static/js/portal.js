/* The portal's one enhancement: a "print this page" button (the page prints without it too). */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.addEventListener("click", function (event) {
        event.preventDefault();
        window.print();
      });
    });
  });
})();
