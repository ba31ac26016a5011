/* Base data pages: the reveal dialog and the visit form's GPS check-in. No framework; the
   dialog's content is swapped by htmx, so listeners are delegated from the document. */
(function () {
  "use strict";

  document.addEventListener("click", function (ev) {
    var open = ev.target.closest("[data-open-dialog]");
    if (open) {
      var dialog = document.getElementById(open.getAttribute("data-open-dialog"));
      if (dialog && dialog.showModal) {
        dialog.showModal();
        var first = dialog.querySelector("select, textarea, input, button");
        if (first) first.focus();
      }
      return;
    }
    var close = ev.target.closest("[data-close-dialog]");
    if (close) {
      var d = close.closest("dialog");
      if (d) d.close();
      return;
    }
    var checkin = ev.target.closest("[data-checkin]");
    if (checkin) {
      var form = checkin.closest("form");
      var status = form.querySelector("[data-checkin-status]");
      if (!navigator.geolocation) {
        status.textContent = "此设备无法定位，可不签到直接保存";
        return;
      }
      status.textContent = "正在定位…";
      navigator.geolocation.getCurrentPosition(
        function (pos) {
          var lat = pos.coords.latitude, lng = pos.coords.longitude;
          form.querySelector("[name=checkin_lat]").value = lat.toFixed(6);
          form.querySelector("[name=checkin_lng]").value = lng.toFixed(6);
          var blat = parseFloat(form.getAttribute("data-building-lat"));
          var blng = parseFloat(form.getAttribute("data-building-lng"));
          var metres = Math.round(Math.hypot((lat - blat) * 111320,
            (lng - blng) * 111320 * Math.cos(lat * Math.PI / 180)));
          status.textContent = "已签到（距楼栋约 " + metres + " 米）";
          form.setAttribute("data-checked-in", "1");
        },
        function () { status.textContent = "定位失败，请检查定位权限，或不签到直接保存"; },
        { enableHighAccuracy: true, timeout: 10000 }
      );
    }
  });
})();
