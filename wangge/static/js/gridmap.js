/* The grid map: every grid in the user's scope, styled by level; a click shows the grid card.
   The finest level shown is filled and takes the clicks; coarser levels are drawn above it as
   outlines that let clicks through, so the tree stays readable and a click always lands on the
   smallest grid. Special grids (dashed) sit on top and are always clickable. */
(function () {
  "use strict";

  var el = document.getElementById("map");
  var config = WanggeMap.readJSON("map-config");
  var status = document.getElementById("map-status");
  var panel = document.getElementById("grid-panel");
  var panelBody = document.getElementById("grid-panel-body");
  var legend = document.getElementById("legend");
  var styles = {};
  config.levels.forEach(function (l) { styles[l.key] = l; });
  var order = config.levels.map(function (l) { return l.key; }); // coarse → fine, then special
  var regular = order.filter(function (k) { return k !== "special"; });

  var map = WanggeMap.create(el);
  map.setView([26.64, 118.17], 12);
  var byLevel = {};   // level → features
  var groups = {};    // level → L.GeoJSON currently on the map
  var shown = {};     // level → visible?
  var selectedCode = null;
  var names = null;   // the finest level's names, on the map from street zoom

  function styleFor(level, role, code) {
    var s = styles[level];
    var selected = code && code === selectedCode;
    var filled = role === "fill" || level === "special";
    return {
      color: s.color, weight: s.weight + (selected ? 2 : 0), opacity: 0.95,
      dashArray: s.dash || null, fill: true, fillColor: s.fill,
      fillOpacity: filled ? (selected ? 0.4 : 0.16) : 0
    };
  }

  function showCard(code) {
    panel.hidden = false;
    panelBody.textContent = el.dataset.msgLoading;
    htmx.ajax("GET", config.card_url.replace("CODE", encodeURIComponent(code)),
              { target: "#grid-panel-body", swap: "innerHTML" });
  }

  function draw() {
    Object.keys(groups).forEach(function (k) { map.removeLayer(groups[k]); });
    groups = {};
    var visible = regular.filter(function (k) { return shown[k]; });
    var finest = visible[visible.length - 1];
    // Bottom to top: the filled finest level, coarser outlines (finer under coarser), specials.
    var stack = [finest].concat(visible.slice(0, -1).reverse());
    if (shown.special) stack.push("special");
    stack.forEach(function (level) {
      if (!level) return;
      var role = level === finest ? "fill" : "outline";
      var interactive = role === "fill" || level === "special";
      var group = L.geoJSON(byLevel[level], {
        interactive: interactive,
        style: function (f) { return styleFor(level, role, f.properties.code); },
        onEachFeature: function (f, layer) {
          if (!interactive) return;
          layer.bindTooltip(WanggeMap.label(f.properties.name), { sticky: true, className: "grid-label" });
          layer.on("click", function (e) {
            L.DomEvent.stopPropagation(e);
            selectedCode = f.properties.code;
            Object.keys(groups).forEach(function (k) { groups[k].resetStyle(); });
            showCard(selectedCode);
          });
        }
      });
      group.addTo(map);
      groups[level] = group;
    });
    // Names of the finest level shown stay on the map (no hover on phones) once it is zoomed
    // in far enough for them to fit.
    if (names) names.remove();
    names = finest ? WanggeMap.zoomLabels(map, WanggeMap.gridLabelItems(groups[finest]), {
      minZoom: finest === "micro" ? 15 : 13, className: "grid-name " + finest
    }) : null;
  }

  panel.querySelector(".close").addEventListener("click", function () {
    panel.hidden = true;
    selectedCode = null;
    Object.keys(groups).forEach(function (k) { groups[k].resetStyle(); });
  });

  function buildLegend() {
    config.levels.forEach(function (l) {
      if (!byLevel[l.key]) return;
      var chip = document.createElement("button");
      chip.type = "button";
      chip.className = "chip";
      chip.dataset.level = l.key;
      chip.setAttribute("aria-pressed", "true");
      var swatch = document.createElement("i");
      swatch.style.background = l.fill;
      swatch.style.borderColor = l.color;
      chip.appendChild(swatch);
      chip.appendChild(document.createTextNode(l.label));
      chip.addEventListener("click", function () {
        shown[l.key] = !shown[l.key];
        chip.setAttribute("aria-pressed", String(shown[l.key]));
        draw();
      });
      legend.appendChild(chip);
    });
  }

  fetch(config.geojson_url, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
    .then(function (fc) {
      var features = fc.features || [];
      if (!features.length) { status.textContent = el.dataset.msgNone; return; }
      features.forEach(function (f) {
        var level = styles[f.properties.level] ? f.properties.level : "micro";
        (byLevel[level] = byLevel[level] || []).push(f);
      });
      Object.keys(byLevel).forEach(function (k) { shown[k] = true; });
      draw();
      var bounds = L.latLngBounds([]);
      Object.keys(groups).forEach(function (k) { bounds.extend(groups[k].getBounds()); });
      map.fitBounds(bounds, { padding: [16, 16] });
      status.textContent = features.length + " " + el.dataset.msgLoaded;
      el.dataset.gridCount = String(features.length);
      buildLegend();
      WanggeMap.buildings(map, el.dataset.buildings, { dotsFrom: 16, labelsFrom: 17 });
    })
    .catch(function () { status.textContent = el.dataset.msgFailed; });
})();
