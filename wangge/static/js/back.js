/* "返回上一页" links: go back in history when there is one, else follow the link (home).
   A file rather than a javascript: URL, which the Content-Security-Policy refuses. */
(function () {
  "use strict";
  document.querySelectorAll("[data-history-back]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      if (window.history.length > 1) {
        event.preventDefault();
        window.history.back();
      }
    });
  });
})();
