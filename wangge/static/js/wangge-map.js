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
    var tileOptions = {
      maxZoom: tiles.max_zoom || 18,
      attribution: tiles.attribution || "",
      subdomains: tiles.subdomains || "abc"
    };
    if (tiles.url) {
      L.tileLayer(tiles.url, tileOptions).addTo(map);
      // A separate annotation layer (天地图 cva_w/cia_w: place names over the base map).
      if (tiles.overlay_url) L.tileLayer(tiles.overlay_url, tileOptions).addTo(map);
      if (map.attributionControl) map.attributionControl.setPrefix(false);
    }
    el.classList.toggle("plain", !tiles.url);
    return map;
  }

  // Labels that stay on the map (phones have no hover), shown only between `minZoom` and
  // `maxZoom` and only for the items in view (at most `max`), rebuilt after each move so a
  // county of thousands of grids costs no more than the few hundred on screen. `items` are
  // {latlng, text}; the text goes in as a text node, never as HTML. Labels take no clicks.
  function zoomLabels(map, items, opts) {
    var layer = L.layerGroup().addTo(map);
    var max = opts.max || 300;
    function refresh() {
      layer.clearLayers();
      var z = map.getZoom();
      if (z < opts.minZoom || (opts.maxZoom !== undefined && z >= opts.maxZoom)) return;
      var view = map.getBounds().pad(0.1);
      var n = 0;
      for (var i = 0; i < items.length && n < max; i++) {
        if (!view.contains(items[i].latlng)) continue;
        var node = label(items[i].text);
        node.className = "map-label " + (opts.className || "");
        L.marker(items[i].latlng, {
          icon: L.divIcon({ html: node, className: "map-label-icon", iconSize: null }),
          interactive: false, keyboard: false
        }).addTo(layer);
        n++;
      }
    }
    map.on("zoomend moveend", refresh);
    refresh();
    return {
      layer: layer, refresh: refresh,
      remove: function () { map.off("zoomend moveend", refresh); map.removeLayer(layer); }
    };
  }

  // Where each grid's name goes: the centre of its largest ring (inside for the usual shapes).
  function gridLabelItems(geojsonLayer) {
    var items = [];
    geojsonLayer.eachLayer(function (l) {
      var f = l.feature;
      if (!f || !f.properties || !f.properties.name) return;
      items.push({ latlng: l.getBounds().getCenter(), text: f.properties.name, level: f.properties.level });
    });
    return items;
  }

  // The deployment's buildings as small squares with their numbers from zoom 17: what people
  // recognise when there is no background map.
  function buildings(map, url, opts) {
    opts = opts || {};
    var state = { items: [], ready: false };
    if (!url) return state;
    var group = L.layerGroup().addTo(map);
    var dotsFrom = opts.dotsFrom || 15;
    var labels = null;
    fetch(url, { credentials: "same-origin" })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (fc) {
        (fc.features || []).forEach(function (f) {
          var c = f.geometry.coordinates;
          state.items.push({ latlng: L.latLng(c[1], c[0]), text: f.properties.label });
        });
        var drawDots = function () {
          group.clearLayers();
          if (map.getZoom() < dotsFrom) return;
          var view = map.getBounds().pad(0.1);
          state.items.forEach(function (b) {
            if (!view.contains(b.latlng)) return;
            L.circleMarker(b.latlng, {
              radius: 4, weight: 1, color: "#5b6573", fillColor: "#cfd6df", fillOpacity: 1,
              interactive: false
            }).addTo(group);
          });
        };
        map.on("zoomend moveend", drawDots);
        drawDots();
        labels = zoomLabels(map, state.items, { minZoom: opts.labelsFrom || 17, className: "building-label", max: 400 });
        state.ready = true;
        if (opts.onReady) opts.onReady(state);
      })
      .catch(function () { state.ready = true; if (opts.onReady) opts.onReady(state); });
    return state;
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

  window.WanggeMap = {
    create: create, readJSON: readJSON, label: label, zoomLabels: zoomLabels,
    gridLabelItems: gridLabelItems, buildings: buildings
  };
})();
