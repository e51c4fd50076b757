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
})();
