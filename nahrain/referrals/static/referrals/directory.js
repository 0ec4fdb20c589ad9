// The service directory's map: each point the search found as a circle (dashed when it stands at
// its area's centre, its own coordinates not given), its name and services in the reader's
// language in a tooltip, a click to open its page. No tile server: the governorates' outlines,
// served by the app, are the background. Names are set as text, never as HTML.
(() => {
  "use strict";
  const element = document.getElementById("directory-map");
  const configElement = document.getElementById("directory-map-config");
  const labelsElement = document.getElementById("directory-map-labels");
  if (!element || !configElement || !window.L) return;
  const config = JSON.parse(configElement.textContent);
  const labels = labelsElement ? JSON.parse(labelsElement.textContent) : {};
  const language = (document.documentElement.lang || "en").split("-")[0];
  const text = element.dataset;

  const map = L.map(element, { attributionControl: false, zoomSnap: 0.25, minZoom: 4, maxZoom: 16 });
  map.setView([33.2, 43.7], 5.5);

  const nameOf = (p) => {
    if (language === "ckb") return p.name_ckb || p.name_ar || p.name_en;
    if (language === "ar") return p.name_ar || p.name_en;
    return p.name_en || p.name_ar;
  };
  const label = (kind, code) => (labels[kind] && labels[kind][code]) || code;

  const tooltip = (p) => {
    const span = document.createElement("span");
    const strong = document.createElement("strong");
    strong.textContent = nameOf(p);
    span.append(strong);
    const lines = [`${label("point_kinds", p.kind)} · ${p.organisation}`];
    if (p.services.length) lines.push(p.services.map((s) => label("service_types", s)).join(", "));
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
      const marker = L.circleMarker([lat, lon], {
        radius: focused ? 9 : 7,
        color: focused ? "#1b1f24" : "#0b4f6c",
        weight: focused ? 3 : 1.5,
        dashArray: p.approximate ? "3 3" : null,
        fillColor: "#0b4f6c",
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
      map.setView(bounds.getCenter(), 11, { animate: false });
    } else if (bounds.isValid()) {
      map.fitBounds(bounds, { padding: [16, 16], maxZoom: 11 });
    } else if (background) {
      map.fitBounds(background.getBounds(), { padding: [8, 8] });
    }
  };
  start()
    .then(() => element.classList.add("map-ready"))
    .catch(() => element.classList.add("map-failed"));
})();
