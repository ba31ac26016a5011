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

  window.WanggeMap = { create: create, readJSON: readJSON };
})();
