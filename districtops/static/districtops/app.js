// Behaviour shared by every page, loaded from base.html. No inline script or event handler
// anywhere (Content-Security-Policy: script-src 'self'): pages ask for behaviour with data- attributes.
(function () {
  "use strict";

  // <select data-autosubmit> / <input type="checkbox" data-autosubmit>: submit the field's form
  // when it changes (the list filters). data-autosubmit on a <form> covers all its fields.
  document.addEventListener("change", function (event) {
    var field = event.target;
    if (!field || !field.form) return;
    if (field.hasAttribute("data-autosubmit") || field.form.hasAttribute("data-autosubmit")) {
      if (typeof field.form.requestSubmit === "function") field.form.requestSubmit();
      else field.form.submit();
    }
  });

  // <select data-navigate>: go to the chosen option's value (a URL) when it changes.
  document.addEventListener("change", function (event) {
    var field = event.target;
    if (field && field.hasAttribute && field.hasAttribute("data-navigate") && field.value) {
      window.location.href = field.value;
    }
  });

  // <table class="table-cards">: on phones each row is a card (app.css) whose cells show their
  // column's name. The name is copied here from the header row into each cell's data-label, so
  // templates never repeat it; cells spanning several columns (empty rows, footers) get none.
  function labelCardTables(root) {
    var tables = Array.prototype.slice.call(root.querySelectorAll ? root.querySelectorAll("table.table-cards") : []);
    if (root.matches && root.matches("table.table-cards")) tables.push(root);
    tables.forEach(function (table) {
      var head = table.tHead && table.tHead.rows[table.tHead.rows.length - 1];
      if (!head) return;
      var labels = [];
      Array.prototype.forEach.call(head.cells, function (th) {
        for (var i = 0; i < (th.colSpan || 1); i++) labels.push(th.textContent.replace(/\s+/g, " ").trim());
      });
      Array.prototype.forEach.call(table.tBodies, function (body) {
        Array.prototype.forEach.call(body.rows, function (row) {
          var column = 0;
          Array.prototype.forEach.call(row.cells, function (cell) {
            var span = cell.colSpan || 1;
            if (span === 1 && labels[column] && !cell.hasAttribute("data-label")) {
              cell.setAttribute("data-label", labels[column]);
            }
            column += span;
          });
        });
      });
    });
  }
  labelCardTables(document);
  // Rows swapped in by htmx (the matter list's filters) are labelled too.
  document.addEventListener("htmx:load", function (event) { labelCardTables(event.target); });
})();
