// 督办通知单: the print button (no inline handler: CSP script-src 'self').
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var target = event.target.closest("[data-print]");
    if (target) window.print();
  });
})();
