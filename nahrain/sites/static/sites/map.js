// The CCCM map: every site as a circle whose colour says its type and whose area its
// population; sites lived in are filled, planned and closed ones hollow, and a site placed at its
// area's centre (no coordinates of its own) has a dashed outline. Each tooltip says all of this
// in words, so that no meaning rests on colour alone. No tile server: the governorates' outlines
// are the background, served by the app.
(() => {
  "use strict";
  const element = document.getElementById("sites-map");
  const configElement = document.getElementById("sites-map-config");
  if (!element || !configElement || !window.L) return;
  const config = JSON.parse(configElement.textContent);
  const root = document.documentElement;
  const language = (root.lang || "en").split("-")[0];
  const numbers = new Intl.NumberFormat(root.lang || "en", { numberingSystem: "latn" });
  const text = element.dataset;
  const COLOURS = {
    camp: "#0b4f6c",
    emergency_site: "#b35806",
    informal_settlement: "#6a3d9a",
    collective_centre: "#1b7837",
    transit_site: "#c51b7d",
    resource_centre: "#4a5560",
  };

  const map = L.map(element, { attributionControl: false, zoomSnap: 0.25, minZoom: 4, maxZoom: 15 });
  map.setView([33.2, 43.7], 5.5);

  const nameOf = (p) => {
    if (language === "ckb") return p.name_ckb || p.name_ar || p.name_en;
    if (language === "ar") return p.name_ar || p.name_en;
    return p.name_en;
  };

  const tooltip = (p) => {
    const span = document.createElement("span");
    const strong = document.createElement("strong");
    strong.textContent = nameOf(p);
    const lines = [`${p.type_label} · ${p.status_label}`];
    if (p.individuals !== null) lines.push(`${text.individuals}: ${numbers.format(p.individuals)}`);
    if (p.capacity !== null) lines.push(`${text.capacity}: ${numbers.format(p.capacity)}`);
    if (p.approximate) lines.push(text.approximate);
    span.append(strong);
    lines.forEach((line) => span.append(document.createElement("br"), line));
    return span;
  };

  const outlines = () =>
    fetch(config.outlines, { credentials: "same-origin" })
      .then((response) => response.json())
      .then((collection) => {
        if (!collection.features.length) return null;
        return L.geoJSON(collection, {
          style: { fillColor: "#ffffff", fillOpacity: 1, color: "#9aa5b1", weight: 1 },
          interactive: false,
        }).addTo(map);
      })
      .catch(() => null);

  const sites = () =>
    fetch(config.data, { credentials: "same-origin" })
      .then((response) => response.json())
      .then((collection) => {
        const features = collection.features;
        const top = Math.max(1, ...features.map((f) => f.properties.individuals || 0));
        const layer = L.featureGroup();
        // The largest first, so that small sites stay on top and can be pointed at.
        features
          .slice()
          .sort((a, b) => (b.properties.individuals || 0) - (a.properties.individuals || 0))
          .forEach((feature) => {
            const p = feature.properties;
            const [lon, lat] = feature.geometry.coordinates;
            const focused = config.focus === p.uid;
            const colour = COLOURS[p.type] || "#4a5560";
            const marker = L.circleMarker([lat, lon], {
              radius: 4 + 16 * Math.sqrt((p.individuals || 0) / top) + (focused ? 4 : 0),
              color: focused ? "#1b1f24" : colour,
              weight: focused ? 3 : 1.5,
              dashArray: p.approximate ? "3 3" : null,
              fillColor: colour,
              fillOpacity: p.lived_in ? 0.55 : 0,
            });
            marker.bindTooltip(tooltip(p));
            marker.on("click", () => window.location.assign(config.site.replace(config.placeholder, p.uid)));
            layer.addLayer(marker);
            if (focused) map.setView([lat, lon], 8, { animate: false });
          });
        layer.addTo(map);
        element.dataset.sites = String(features.length);
        return layer;
      });

  const start = async () => {
    const background = await outlines();
    const layer = await sites();
    if (config.focus) return;
    const bounds = background ? background.getBounds() : layer.getBounds();
    if (bounds.isValid()) map.fitBounds(bounds, { padding: [8, 8] });
  };
  start()
    .then(() => element.classList.add("map-ready"))
    .catch(() => element.classList.add("map-failed"));
})();
