/* The small map on a case page: the case's point, the outline and name of its grid, and the
   buildings around it with their numbers (what people recognise without a background map). */
(function () {
  "use strict";
  var el = document.getElementById("case-map");
  var data = WanggeMap.readJSON("case-map-data");
  if (!el || !data || (!data.point && !data.grid)) { if (el) el.hidden = true; return; }
  var map = WanggeMap.create(el, { scrollWheelZoom: false });
  var outline = data.grid ? L.geoJSON(data.grid, {
    style: { color: "#1d5fae", weight: 2, fillColor: "#4a86cf", fillOpacity: 0.1 }
  }) : null;
  var bounds = outline ? outline.getBounds() : L.latLngBounds([]);
  var point = data.point ? L.latLng(data.point[0], data.point[1]) : null;
  if (point) bounds.extend(point);
  // The view first: vector layers need a projected map before they can be drawn.
  map.fitBounds(bounds, { padding: [24, 24], maxZoom: 17 });
  if (outline) {
    outline.addTo(map);
    if (data.grid_name) {
      WanggeMap.zoomLabels(map, [{ latlng: outline.getBounds().getCenter(), text: data.grid_name }],
                           { minZoom: 0, className: "grid-name micro" });
    }
  }
  if (el.dataset.buildings) {
    var area = bounds.isValid() ? bounds.pad(0.5) : null;
    var url = el.dataset.buildings;
    if (area) {
      url += "?bbox=" + [area.getWest(), area.getSouth(), area.getEast(), area.getNorth()]
        .map(function (x) { return x.toFixed(6); }).join(",");
    }
    WanggeMap.buildings(map, url, { dotsFrom: 14, labelsFrom: 16 });
  }
  if (point) {
    L.circleMarker(point, { radius: 8, color: "#fff", weight: 2, fillColor: "#c8372d", fillOpacity: 1 })
      .addTo(map);
  }
  el.dataset.ready = "1";
})();
