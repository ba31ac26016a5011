/* The report forms (resident, patrol, phone entry): a pin on the map or the phone's location,
   both WGS-84 — what the browser's Geolocation API returns and what the map draws — so the
   form declares crs=wgs84; photo previews (at most nine); the suggested category; hiding the
   contact fields when the report is anonymous. Everything works without this script too,
   except placing the pin. */
(function () {
  "use strict";

  var el = document.getElementById("pinmap");
  var lat = document.getElementById("id_lat");
  var lng = document.getElementById("id_lng");
  var status = document.getElementById("pin-status");
  var place = document.getElementById("pin-place");
  var address = document.getElementById("id_address");
  if (el && window.L) {
    var map = WanggeMap.create(el, { zoomControl: true });
    map.setView([26.64, 118.17], 13);
    var marker = null;
    var asked = 0;
    // Right after pinning, say where that is in the words people use: the grid and the
    // nearest building ("怡园社区1片区1号微网格 · 16号楼附近"), so a wrong tap shows at once.
    var describe = function (latlng, known) {
      var mine = ++asked;
      if (known) { show(known); return; }
      place.textContent = el.dataset.msgLooking;
      var url = el.dataset.where + "?lat=" + latlng.lat.toFixed(7) + "&lng=" + latlng.lng.toFixed(7);
      fetch(url, { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (d) { if (mine === asked) show(d); })
        .catch(function () { if (mine === asked) show(null); });
    };
    var show = function (d) {
      place.textContent = d ? d.text : "";
      place.hidden = !d;
      el.dataset.place = d ? d.text : "";
    };
    var setPin = function (latlng, message, known) {
      lat.value = latlng.lat.toFixed(7);
      lng.value = latlng.lng.toFixed(7);
      if (marker) marker.setLatLng(latlng); else marker = L.marker(latlng).addTo(map);
      status.textContent = message;
      el.dataset.pinned = "1";
      describe(latlng, known);
      el.dispatchEvent(new CustomEvent("wangge:pinned", { detail: { lat: lat.value, lng: lng.value } }));
    };
    fetch(el.dataset.outlines, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (fc) {
        var layer = L.geoJSON(fc, {
          style: function (f) {
            var micro = f.properties.level === "micro";
            return { color: micro ? "#b7791f" : "#1d5fae", weight: micro ? 1 : 2,
                     fillColor: "#e5a93c", fillOpacity: micro ? 0.08 : 0, opacity: 0.8 };
          },
          onEachFeature: function (f, l) {
            // Hover names too (desktop), at any zoom; the labels below need no hover.
            if (f.properties.level === "micro") l.bindTooltip(WanggeMap.label(f.properties.name), { sticky: true, className: "grid-label" });
            l.on("click", function (e) { setPin(e.latlng, el.dataset.msgPicked); });
          }
        }).addTo(map);
        // Names on the map at every zoom a phone uses: communities when the county is in
        // view, zones closer, micro-grids from street level.
        var items = WanggeMap.gridLabelItems(layer);
        var of = function (level) { return items.filter(function (i) { return i.level === level; }); };
        WanggeMap.zoomLabels(map, of("community"), { minZoom: 11, maxZoom: 14, className: "grid-name community" });
        WanggeMap.zoomLabels(map, of("zone"), { minZoom: 14, maxZoom: 15.5, className: "grid-name zone" });
        WanggeMap.zoomLabels(map, of("micro"), { minZoom: 15.5, className: "grid-name micro" });
        if (!lat.value && layer.getBounds().isValid()) map.fitBounds(layer.getBounds());
        el.dataset.ready = "1";
      })
      .catch(function () { el.dataset.ready = "1"; });
    WanggeMap.buildings(map, el.dataset.buildings, {
      onReady: function () { el.dataset.buildingsReady = "1"; }
    });
    map.on("click", function (e) { setPin(e.latlng, el.dataset.msgPicked); });
    // A typed address resolved to a building (console-tools.js) places the pin there.
    document.addEventListener("wangge:place", function (ev) {
      var here = L.latLng(ev.detail.lat, ev.detail.lng);
      setPin(here, ev.detail.message || el.dataset.msgPicked);
      map.setView(here, 17);
    });
    if (lat.value && lng.value) {
      var kept = L.latLng(parseFloat(lat.value), parseFloat(lng.value));
      setPin(kept, el.dataset.msgPicked);
      map.setView(kept, 17);
    }
    var locate = document.getElementById("use-location");
    if (locate) locate.addEventListener("click", function () {
      if (!navigator.geolocation) { status.textContent = el.dataset.msgDenied; return; }
      navigator.geolocation.getCurrentPosition(function (pos) {
        var here = L.latLng(pos.coords.latitude, pos.coords.longitude);
        setPin(here, el.dataset.msgLocated);
        map.setView(here, 17);
      }, function () { status.textContent = el.dataset.msgDenied; },
      { enableHighAccuracy: true, timeout: 10000 });
    });
    // The pin from a typed address ("怡园小区16号楼"), through the address resolver.
    var byAddress = document.getElementById("locate-address");
    if (byAddress && address) byAddress.addEventListener("click", function () {
      var q = address.value.trim();
      if (!q) { status.textContent = el.dataset.msgNoAddress; address.focus(); return; }
      status.textContent = el.dataset.msgLooking;
      fetch(el.dataset.locate + "?q=" + encodeURIComponent(q), { credentials: "same-origin" })
        .then(function (r) { return r.json().then(function (d) { return { ok: r.ok, d: d }; }); })
        .then(function (res) {
          if (!res.ok) { status.textContent = res.d.detail || el.dataset.msgNotFound; return; }
          var at = L.latLng(res.d.lat, res.d.lng);
          setPin(at, el.dataset.msgAddressed, res.d);
          map.setView(at, 18);
        })
        .catch(function () { status.textContent = el.dataset.msgNotFound; });
    });
  }

  // Photo previews; more than nine are cut back to nine, and the person is told.
  document.querySelectorAll("[data-previews-for]").forEach(function (box) {
    var input = document.getElementById(box.dataset.previewsFor);
    var max = parseInt(box.dataset.max, 10) || 9;
    input.addEventListener("change", function () {
      box.textContent = "";
      var files = Array.prototype.slice.call(input.files);
      if (files.length > max) {
        var dt = new DataTransfer();
        files.slice(0, max).forEach(function (f) { dt.items.add(f); });
        input.files = dt.files;
        files = files.slice(0, max);
        var warn = document.createElement("p");
        warn.className = "help text-danger";
        warn.textContent = box.dataset.msgTooMany;
        box.appendChild(warn);
      }
      files.forEach(function (f) {
        var img = document.createElement("img");
        img.alt = f.name;
        img.src = URL.createObjectURL(f);
        box.appendChild(img);
      });
    });
  });

  // "采用" the suggested category.
  document.addEventListener("click", function (e) {
    var btn = e.target.closest("[data-accept-category]");
    if (!btn) return;
    var select = document.getElementById("id_category");
    if (select) { select.value = btn.dataset.acceptCategory; select.dispatchEvent(new Event("change")); }
    btn.closest(".suggest").classList.add("accepted");
  });

  // Patrol: what was done and the photos after are asked only when settling on the spot.
  var settle = document.getElementById("id_settle");
  var settleFields = document.getElementById("settle-fields");
  if (settle && settleFields) {
    var syncSettle = function () {
      settleFields.hidden = !settle.checked && !settleFields.querySelector(".field-error");
    };
    settle.addEventListener("change", syncSettle);
    syncSettle();
  }

  var anonymous = document.getElementById("id_anonymous");
  var contact = document.getElementById("contact-fields");
  if (anonymous && contact) {
    var sync = function () { contact.hidden = anonymous.checked; };
    anonymous.addEventListener("change", sync);
    sync();
  }
})();
