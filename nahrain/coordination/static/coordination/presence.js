// The partner presence map: a circle at each governorate's or district's label point, sized by
// how many partners report there, with a tooltip naming them. No tile server: the governorates'
// outlines, served by the app, are the background. Text is set as text, never HTML.
(() => {
  "use strict";
  const element = document.getElementById("presence-map");
  const configElement = document.getElementById("presence-map-config");
  if (!element || !configElement || !window.L) return;
  const config = JSON.parse(configElement.textContent);
  const language = (document.documentElement.lang || "en").split("-")[0];

  const map = L.map(element, { attributionControl: false, zoomSnap: 0.25, minZoom: 4, maxZoom: 12 });
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
    (p.lines || []).forEach((line) => span.append(document.createElement("br"), line));
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
      const marker = L.circleMarker([lat, lon], {
        radius: 6 + Math.min(10, 2 * (p.partners || 1)),
        color: "#0b4f6c",
        weight: 1.5,
        fillColor: "#0b4f6c",
        fillOpacity: 0.5,
      });
      marker.bindTooltip(tooltip(p));
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
    if (bounds.isValid()) {
      map.fitBounds(bounds, { padding: [16, 16], maxZoom: 8 });
    } else if (background) {
      map.fitBounds(background.getBounds(), { padding: [8, 8] });
    }
  };
  start()
    .then(() => element.classList.add("map-ready"))
    .catch(() => element.classList.add("map-failed"));
})();
