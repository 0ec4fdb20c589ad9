// The health pages' map: facilities, or open alerts at their district's label point, as circles
// (dashed where a facility stands at its district's centre), a tooltip with the name and the
// lines the server wrote in the reader's language, a click to open the page. No tile server: the
// governorates' outlines, served by the app, are the background. Text is set as text, never HTML.
(() => {
  "use strict";
  const element = document.getElementById("health-map");
  const configElement = document.getElementById("health-map-config");
  if (!element || !configElement || !window.L) return;
  const config = JSON.parse(configElement.textContent);
  const language = (document.documentElement.lang || "en").split("-")[0];
  const text = element.dataset;

  const map = L.map(element, { attributionControl: false, zoomSnap: 0.25, minZoom: 4, maxZoom: 16 });
  map.setView([33.2, 43.7], 5.5);

  const nameOf = (p) => {
    if (language === "ckb") return p.name_ckb || p.name_ar || p.name_en;
    if (language === "ar") return p.name_ar || p.name_en;
    return p.name_en || p.name_ar;
  };

  const tooltip = (p) => {
    const span = document.createElement("span");
    const strong = document.createElement("strong");
    strong.textContent = nameOf(p);
    span.append(strong);
    const lines = [...(p.lines || [])];
    if (p.approximate) lines.push(text.approximate);
    if (!config.focus) lines.push(text.open);
    lines.forEach((line) => span.append(document.createElement("br"), line));
    return span;
  };

  const outlines = () =>
    fetch(config.outlines, { credentials: "same-origin" })
      .then((response) => response.json())
      .then((collection) => {
        if (!collection.features || !collection.features.length) return null;
        return L.geoJSON(collection, {
          style: { fillColor: "#ffffff", fillOpacity: 1, color: "#9aa5b1", weight: 1 },
          interactive: false,
        }).addTo(map);
      })
      .catch(() => null);

  const points = () => {
    const layer = L.featureGroup();
    config.points.features.forEach((feature) => {
      const p = feature.properties;
      const [lon, lat] = feature.geometry.coordinates;
      const focused = config.focus === p.uid;
      const colour = p.warn ? "#a3290f" : "#0b4f6c";
      const marker = L.circleMarker([lat, lon], {
        radius: focused ? 9 : 7 + Math.min(6, p.size || 0),
        color: focused ? "#1b1f24" : colour,
        weight: focused ? 3 : 1.5,
        dashArray: p.approximate ? "3 3" : null,
        fillColor: colour,
        fillOpacity: 0.55,
      });
      marker.bindTooltip(tooltip(p));
      if (!config.focus) {
        marker.on("click", () => window.location.assign(config.point.replace(config.placeholder, p.uid)));
      }
      layer.addLayer(marker);
    });
    layer.addTo(map);
    element.dataset.points = String(config.points.features.length);
    return layer;
  };

  const start = async () => {
    const background = await outlines();
    const layer = points();
    const bounds = layer.getBounds();
    if (config.focus && bounds.isValid()) {
      map.setView(bounds.getCenter(), 10, { animate: false });
    } else if (bounds.isValid()) {
      map.fitBounds(bounds, { padding: [16, 16], maxZoom: 10 });
    } else if (background) {
      map.fitBounds(background.getBounds(), { padding: [8, 8] });
    }
  };
  start()
    .then(() => element.classList.add("map-ready"))
    .catch(() => element.classList.add("map-failed"));
})();
