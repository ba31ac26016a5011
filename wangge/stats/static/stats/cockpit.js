/* The leader cockpit: charts (ECharts) and the density map (Leaflet) drawn from the payload the
   page was rendered with (#cockpit-data), the same one /api/v1/stats/cockpit/ returns. */
(function () {
  "use strict";

  var data = WanggeMap.readJSON("cockpit-data");
  var css = getComputedStyle(document.documentElement);
  var brand = css.getPropertyValue("--brand").trim() || "#1d5fae";
  var ok = css.getPropertyValue("--ok").trim() || "#1e7f52";
  var muted = "#98a2b3";
  var font = { fontFamily: css.getPropertyValue("--font") || "sans-serif" };
  var charts = [];

  function chart(id, option) {
    var el = document.getElementById(id);
    if (!el) return;
    var c = echarts.init(el, null, { renderer: "canvas" });
    c.setOption(Object.assign({ textStyle: font, animation: false }, option));
    charts.push(c);
  }

  function pct(v) { return v === null || v === undefined ? null : Math.round(v * 10000) / 100; }

  // Trend: reported and closed as bars, completion rate as a line on its own axis.
  var t = data.trend;
  chart("trend-chart", {
    grid: { left: 44, right: 48, top: 36, bottom: 28 },
    tooltip: { trigger: "axis" },
    legend: { top: 0, right: 0, itemWidth: 12, itemHeight: 8, textStyle: { color: "#475467" } },
    xAxis: { type: "category", data: t.map(function (r) { return r.period.slice(5); }),
             axisLine: { lineStyle: { color: "#cfd7e3" } }, axisLabel: { color: "#667085" } },
    yAxis: [
      { type: "value", minInterval: 1, splitLine: { lineStyle: { color: "#eef1f5" } },
        axisLabel: { color: "#667085" } },
      { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%", color: "#667085" },
        splitLine: { show: false } }
    ],
    series: [
      { name: "反映", type: "bar", data: t.map(function (r) { return r.registered; }),
        itemStyle: { color: "#b7cdea", borderRadius: [3, 3, 0, 0] }, barMaxWidth: 18 },
      { name: "结案", type: "bar", data: t.map(function (r) { return r.closed; }),
        itemStyle: { color: brand, borderRadius: [3, 3, 0, 0] }, barMaxWidth: 18 },
      { name: "结案率", type: "line", yAxisIndex: 1, smooth: true, showSymbol: false,
        data: t.map(function (r) { return pct(r.completion_rate); }),
        lineStyle: { color: ok, width: 2 }, itemStyle: { color: ok } }
    ]
  });

  // Categories: horizontal bars, the largest on top.
  var cats = data.by_category.slice().reverse();
  chart("category-chart", {
    grid: { left: 8, right: 40, top: 8, bottom: 8, containLabel: true },
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    xAxis: { type: "value", minInterval: 1, splitLine: { lineStyle: { color: "#eef1f5" } },
             axisLabel: { color: "#667085" } },
    yAxis: { type: "category", data: cats.map(function (r) { return r.name; }),
             axisLabel: { color: "#475467" }, axisLine: { show: false }, axisTick: { show: false } },
    series: [{ type: "bar", name: "反映", data: cats.map(function (r) { return r.registered; }),
               itemStyle: { color: brand, borderRadius: [0, 3, 3, 0] }, barMaxWidth: 14,
               label: { show: true, position: "right", color: "#475467" } }]
  });

  // Channels: a ring.
  var palette = [brand, "#4f8fd6", "#8fb5e6", ok, "#d9a441", "#9b7fd1", muted];
  chart("channel-chart", {
    tooltip: { trigger: "item", formatter: "{b}：{c} 件（{d}%）" },
    legend: { orient: "vertical", right: 8, top: "middle", itemWidth: 10, itemHeight: 10,
              textStyle: { color: "#475467" } },
    color: palette,
    series: [{ type: "pie", radius: ["48%", "72%"], center: ["36%", "50%"],
               label: { show: false }, itemStyle: { borderColor: "#fff", borderWidth: 2 },
               data: data.by_channel.map(function (r) { return { name: r.name, value: r.registered }; }) }]
  });

  // Density map: child grids shaded by open cases, on the project's own polygons.
  var mapEl = document.getElementById("density-map");
  if (mapEl) {
    var map = WanggeMap.create(mapEl, { zoomControl: true, scrollWheelZoom: false });
    var shades = ["#eef4fb", "#d4e3f5", "#abc8eb", "#7ba9dc", "#4d87c9", "#1d5fae"];
    var opens = data.density.map(function (d) { return d.open; });
    var lo = Math.min.apply(null, opens.concat([0])), hi = Math.max.apply(null, opens.concat([1]));
    var features = data.density.filter(function (d) { return d.geometry; }).map(function (d) {
      return { type: "Feature", geometry: d.geometry, properties: d };
    });
    // Shade relative to the range shown, so neighbours that differ stand apart.
    function shade(n) {
      if (!n) return shades[0];
      return shades[hi > lo ? 1 + Math.round(4 * (n - lo) / (hi - lo)) : 3];
    }
    var layer = L.geoJSON({ type: "FeatureCollection", features: features }, {
      style: function (f) {
        return { color: "#ffffff", weight: 2, opacity: 1,
                 fillColor: shade(f.properties.open), fillOpacity: 0.9 };
      },
      onEachFeature: function (f, l) {
        var p = f.properties;
        l.bindTooltip(WanggeMap.label(
          p.name,
          "在办 " + p.open + " 件" + (p.overdue_open ? "，超期 " + p.overdue_open + " 件" : ""),
          p.open_per_km2 !== null ? p.open_per_km2 + " 件/km²" : ""), { sticky: true });
      }
    }).addTo(map);
    // Name and open count at each grid's centre; overdue in red beside it.
    if (features.length <= 40) {
      layer.eachLayer(function (l) {
        var p = l.feature.properties;
        var html = document.createElement("span");
        var name = html.appendChild(document.createElement("span"));
        name.className = "dm-name";
        name.textContent = p.name;
        var n = html.appendChild(document.createElement("span"));
        n.className = "dm-n";
        n.textContent = String(p.open);
        if (p.overdue_open) {
          n.appendChild(document.createTextNode(" "));
          n.appendChild(document.createElement("em")).textContent = "超期 " + p.overdue_open;
        }
        L.marker(l.getBounds().getCenter(), {
          interactive: false,
          icon: L.divIcon({ className: "dm-label", html: html, iconSize: null })
        }).addTo(map);
      });
    }
    if (features.length) map.fitBounds(layer.getBounds(), { padding: [8, 8] });
    else map.setView([26.64, 118.17], 11);
  }

  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
