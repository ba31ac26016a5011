/* Shared map set-up. The background tiles are a deployment setting (WANGGE_MAP_TILE_URL); with
   none, the map draws only the project's own data (grids, case points) on a plain background,
   so it works on an intranet with no tile server and never calls out to the internet. */
(function () {
  "use strict";

  function readJSON(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  function create(el, options) {
    var tiles = readJSON("map-tiles") || {};
    var map = L.map(el, Object.assign({
      zoomSnap: 0.25,
      attributionControl: Boolean(tiles.url),
      preferCanvas: false,
      maxZoom: tiles.max_zoom || 19
    }, options || {}));
    if (tiles.url) {
      L.tileLayer(tiles.url, {
        maxZoom: tiles.max_zoom || 18,
        attribution: tiles.attribution || ""
      }).addTo(map);
      if (map.attributionControl) map.attributionControl.setPrefix(false);
    }
    return map;
  }

  // Tooltip and label content built as DOM text, never as HTML: grid and category names are
  // typed by people and must not be able to carry markup or script. Each argument is one line;
  // a line may be a string or [text, className] for a styled span.
  function label() {
    var box = document.createElement("span");
    Array.prototype.forEach.call(arguments, function (line, i) {
      if (line === null || line === undefined || line === "") return;
      if (i > 0 && box.childNodes.length) box.appendChild(document.createElement("br"));
      if (Array.isArray(line)) {
        var span = document.createElement("span");
        span.className = line[1];
        span.textContent = String(line[0]);
        box.appendChild(span);
      } else {
        box.appendChild(document.createTextNode(String(line)));
      }
    });
    return box;
  }

  window.WanggeMap = { create: create, readJSON: readJSON, label: label };
})();
