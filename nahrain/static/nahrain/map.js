// The dashboard map: units shaded by a figure where boundaries are loaded, proportional circles
// at places otherwise and when zoomed in, a legend, and a click to drill down. No tile server:
// the shapes are the map, on a plain background, so nothing is fetched from outside the app.
(() => {
  "use strict";
  const element = document.getElementById("map");
  const configElement = document.getElementById("map-config");
  if (!element || !configElement || !window.L) return;
  const config = JSON.parse(configElement.textContent);
  const root = document.documentElement;
  const rtl = root.dir === "rtl";
  const numbers = new Intl.NumberFormat(root.lang || "en", { numberingSystem: "latn" });
  const text = element.dataset;
  const SEQUENTIAL = ["#eff6fb", "#c6dbef", "#9ecae1", "#6baed6", "#3182bd", "#08519c"];
  const DIVERGING = ["#b35806", "#f1a340", "#fee0b6", "#d8daeb", "#998ec3", "#542788"];
  const POINTS_FROM_ZOOM = 9;
  // A page about one population (the origins of returnees) fixes it; others let the reader pick.
  let population = config.fixed_population || "idp";

  const map = L.map(element, {
    attributionControl: false,
    zoomSnap: 0.25,
    minZoom: 4,
    maxZoom: 15,
    keyboard: true,
  });
  map.setView([33.2, 43.7], 5.5);

  const valueOf = (pcode) => {
    const figure = config.figures[pcode];
    if (!figure) return null;
    return config.mode === "change" ? figure.change : figure[population];
  };

  // Class breaks: for counts, doubling steps up to the largest value (skewed data reads better
  // on a geometric scale); for change, symmetric steps around zero.
  const breaksFor = () => {
    const values = Object.keys(config.figures).map(valueOf).filter((v) => v !== null);
    if (config.mode === "change") {
      const reach = Math.max(1, ...values.map(Math.abs));
      return [-reach / 2, -reach / 10, 0, reach / 10, reach / 2];
    }
    const top = Math.max(1, ...values);
    return [top / 32, top / 16, top / 8, top / 4, top / 2];
  };
  let breaks = breaksFor();

  const colour = (value) => {
    if (value === null || value === undefined) return "#e3e6e8";
    const palette = config.mode === "change" ? DIVERGING : SEQUENTIAL;
    if (config.mode !== "change" && value === 0) return "#ffffff";
    let index = 0;
    while (index < breaks.length && value > breaks[index]) index += 1;
    if (config.mode === "change" && value === 0) return "#f7f7f7";
    return palette[index];
  };

  const tooltip = (name, value) => {
    const label = config.mode === "change" ? text.legendChange : text[population];
    const shown = value === null ? text.noData : numbers.format(value);
    const span = document.createElement("span");
    const strong = document.createElement("strong");
    strong.textContent = name;
    span.append(strong, document.createElement("br"), `${label}: ${shown}`);
    return span;
  };

  let shapes = null;
  let points = null;
  let pointData = null;
  const legend = L.control({ position: rtl ? "bottomleft" : "bottomright" });
  legend.onAdd = () => {
    const box = L.DomUtil.create("div", "legend");
    box.setAttribute("aria-hidden", "true");
    return box;
  };
  legend.addTo(map);

  const drawLegend = () => {
    const box = legend.getContainer();
    box.replaceChildren();
    const title = document.createElement("strong");
    title.textContent =
      config.mode === "change" ? text.legendChange : population === "idp" ? text.legendIdp : text.legendReturnee;
    box.append(title);
    if (!shapes && pointData) {
      // Circles: their area is proportional to the figure; name the largest.
      const top = Math.max(0, ...pointData.map((p) => p[population]));
      const row = document.createElement("div");
      row.dir = "ltr";
      row.textContent = `${text.legendCircles} ${numbers.format(top)}`;
      box.append(row);
      return;
    }
    const palette = config.mode === "change" ? DIVERGING : SEQUENTIAL;
    const bounds = [null, ...breaks];
    palette.forEach((fill, i) => {
      const row = document.createElement("div");
      row.dir = "ltr"; // ranges of numbers read left to right in every language
      const swatch = document.createElement("i");
      swatch.className = "swatch";
      swatch.classList.add(`${config.mode === "change" ? "div" : "seq"}-${i}`);
      const low = bounds[i] === null ? null : numbers.format(Math.round(bounds[i]));
      const high = i < breaks.length ? numbers.format(Math.round(breaks[i])) : null;
      const label = low === null ? `≤ ${high}` : high === null ? `> ${low}` : `${low} – ${high}`;
      row.append(swatch, ` ${label}`);
      box.append(row);
    });
  };

  const shade = () => {
    breaks = breaksFor();
    if (shapes) {
      shapes.setStyle((feature) => ({ fillColor: colour(valueOf(feature.properties.pcode)) }));
      shapes.eachLayer((layer) => {
        const pcode = layer.feature.properties.pcode;
        const figure = config.figures[pcode];
        layer.setTooltipContent(tooltip(figure ? figure.name : pcode, valueOf(pcode)));
      });
    }
    if (pointData && (points || !shapes)) drawPoints();
    drawLegend();
  };

  const drawPoints = () => {
    if (!pointData) return;
    if (points) points.remove();
    const top = Math.max(1, ...pointData.map((p) => p[population]));
    points = L.featureGroup(
      pointData
        .filter((p) => p[population] > 0)
        .map((p) => {
          const marker = L.circleMarker([p.lat, p.lon], {
            radius: 2 + 18 * Math.sqrt(p[population] / top),
            color: population === "idp" ? "#0b4f6c" : "#8a4500",
            weight: 1,
            fillOpacity: 0.45,
          });
          const name = rtl && p.name_ar ? p.name_ar : p.name_en;
          marker.bindTooltip(tooltip(name, p[population]));
          if (config.place) {
            marker.on("click", () => window.location.assign(config.place.replace("PLACE", encodeURIComponent(p.id))));
          }
          return marker;
        }),
    ).addTo(map);
  };

  const loadPoints = () => {
    if (pointData || !config.points) return Promise.resolve();
    return fetch(config.points, { credentials: "same-origin" })
      .then((response) => response.json())
      .then((data) => {
        pointData = data;
        drawPoints();
      });
  };

  const fit = (layer) => {
    const bounds = layer.getBounds();
    if (bounds.isValid()) map.fitBounds(bounds, { padding: [8, 8] });
  };

  const showPointsWhenZoomed = () => {
    if (!shapes) return;
    if (map.getZoom() >= POINTS_FROM_ZOOM) {
      loadPoints().then(() => points && points.addTo(map));
    } else if (points) {
      points.remove();
    }
  };

  const loadShapes = () =>
    fetch(config.shapes, { credentials: "same-origin" })
      .then((response) => response.json())
      .then((collection) => {
        if (!collection.features.length) return false;
        shapes = L.geoJSON(collection, {
          style: (feature) => ({
            fillColor: colour(valueOf(feature.properties.pcode)),
            fillOpacity: 0.9,
            color: "#ffffff",
            weight: 1,
          }),
          onEachFeature: (feature, layer) => {
            const figure = config.figures[feature.properties.pcode];
            layer.bindTooltip(tooltip(figure ? figure.name : feature.properties.pcode, valueOf(feature.properties.pcode)), { sticky: true });
            if (figure && figure.href) {
              layer.on("click", () => window.location.assign(figure.href));
            }
          },
        }).addTo(map);
        fit(shapes);
        map.on("zoomend", showPointsWhenZoomed);
        return true;
      });

  const loadOutline = () => {
    if (!config.outline) return Promise.resolve(false);
    return fetch(config.outline, { credentials: "same-origin" })
      .then((response) => response.json())
      .then((collection) => {
        if (!collection.features.length) return false;
        const outline = L.geoJSON(collection, {
          style: { fill: false, color: "#1b1f24", weight: 2 },
          interactive: false,
        }).addTo(map);
        if (!shapes) fit(outline);
        return true;
      });
  };

  const start = async () => {
    if (config.marker) {
      L.circleMarker(config.marker, { radius: 8, color: "#0b4f6c", fillOpacity: 0.6 }).addTo(map);
      map.setView(config.marker, 11);
      legend.remove();
      return;
    }
    const shaped = config.shapes ? await loadShapes() : false;
    const outlined = await loadOutline();
    if (!shaped) {
      await loadPoints();
      if (points && !outlined) fit(points);
    }
    drawLegend();
  };

  const selector = document.getElementById("map-population");
  if (selector) {
    selector.addEventListener("change", () => {
      population = selector.value;
      shade();
    });
  }
  start().catch(() => element.classList.add("map-failed"));
})();
