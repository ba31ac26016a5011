/* The report form: once a pin is placed, show the open reports close by (FixMyStreet-style),
   each with "我也遇到了", so the same problem is not reported twice. The list is a server
   fragment (/report/nearby/); the forms in it post without this script too. */
(function () {
  "use strict";
  var pin = document.getElementById("pinmap");
  var box = document.getElementById("nearby");
  if (!pin || !box) return;
  var last = "";
  pin.addEventListener("wangge:pinned", function (e) {
    var key = e.detail.lat + "," + e.detail.lng;
    if (key === last) return;
    last = key;
    var url = box.dataset.nearbyUrl + "?lat=" + encodeURIComponent(e.detail.lat) +
      "&lng=" + encodeURIComponent(e.detail.lng);
    fetch(url, { credentials: "same-origin" })
      .then(function (r) { return r.status === 200 ? r.text() : ""; })
      .then(function (html) {
        if (key !== last) return; // a newer pin is on its way
        box.innerHTML = html;
        box.dataset.loaded = "1";
      })
      .catch(function () {});
  });
})();
