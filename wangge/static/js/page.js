/* Small page behaviours, declared with data attributes instead of inline handlers (the
   Content-Security-Policy refuses inline script):
   - [data-history-back]  link: go back in history when there is one, else follow the link;
   - [data-autosubmit]    select/input: submit its form on change;
   - [data-print]         button: print the page. */
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var back = event.target.closest("[data-history-back]");
    if (back && window.history.length > 1) {
      event.preventDefault();
      window.history.back();
      return;
    }
    if (event.target.closest("[data-print]")) {
      event.preventDefault();
      window.print();
    }
  });
  document.addEventListener("change", function (event) {
    var field = event.target.closest("[data-autosubmit]");
    if (field && field.form) field.form.submit();
  });
})();
