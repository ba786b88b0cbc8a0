// Every map of the site, drawn with the vendored Leaflet (vendor/leaflet/).
//
// A map is an element with class "map" and:
//   data-map     the id of a json_script: {areas: [{id, kind, name, outline: [[lat, lon]...],
//                label, count, focus}], points: [{lat, lon, label, url?}], bounds}
//   data-config  {tiles: null | {url, overlay_url, subdomains, attribution, max_zoom},
//                 crs: "wgs84" | "gcj02"} (portal/maps.py)
//   data-mode    "view" (outlines, counts, points), "pick" (the report form: a tap fills
//                the latitude and longitude inputs) or "draw" (the admin's outline editor)
// and translated words in data-* attributes (no text is written here).
//
// Points are stored in WGS-84.  With GCJ-02 tiles (AMap, Tencent) every point is shifted
// for display, and a tapped point shifted back before it fills the form.
(function () {
  "use strict";
  if (!window.L) return;
  var L = window.L;

  // --- WGS-84 <-> GCJ-02 (the published approximation; outside China: unchanged) -------
  var A = 6378245.0;
  var EE = 0.00669342162296594323;
  function outOfChina(lat, lon) {
    return lon < 72.004 || lon > 137.8347 || lat < 0.8293 || lat > 55.8271;
  }
  function tLat(x, y) {
    var r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
    r += ((20.0 * Math.sin(6.0 * x * Math.PI) + 20.0 * Math.sin(2.0 * x * Math.PI)) * 2.0) / 3.0;
    r += ((20.0 * Math.sin(y * Math.PI) + 40.0 * Math.sin((y / 3.0) * Math.PI)) * 2.0) / 3.0;
    r += ((160.0 * Math.sin((y / 12.0) * Math.PI) + 320 * Math.sin((y * Math.PI) / 30.0)) * 2.0) / 3.0;
    return r;
  }
  function tLon(x, y) {
    var r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
    r += ((20.0 * Math.sin(6.0 * x * Math.PI) + 20.0 * Math.sin(2.0 * x * Math.PI)) * 2.0) / 3.0;
    r += ((20.0 * Math.sin(x * Math.PI) + 40.0 * Math.sin((x / 3.0) * Math.PI)) * 2.0) / 3.0;
    r += ((150.0 * Math.sin((x / 12.0) * Math.PI) + 300.0 * Math.sin((x / 30.0) * Math.PI)) * 2.0) / 3.0;
    return r;
  }
  function wgsToGcj(lat, lon) {
    if (outOfChina(lat, lon)) return [lat, lon];
    var dLat = tLat(lon - 105.0, lat - 35.0);
    var dLon = tLon(lon - 105.0, lat - 35.0);
    var radLat = (lat / 180.0) * Math.PI;
    var magic = Math.sin(radLat);
    magic = 1 - EE * magic * magic;
    var sqrtMagic = Math.sqrt(magic);
    dLat = (dLat * 180.0) / (((A * (1 - EE)) / (magic * sqrtMagic)) * Math.PI);
    dLon = (dLon * 180.0) / ((A / sqrtMagic) * Math.cos(radLat) * Math.PI);
    return [lat + dLat, lon + dLon];
  }
  function gcjToWgs(lat, lon) {
    // Fixed-point iteration: a few rounds bring the error under a centimetre.
    var wLat = lat;
    var wLon = lon;
    for (var i = 0; i < 5; i++) {
      var g = wgsToGcj(wLat, wLon);
      wLat += lat - g[0];
      wLon += lon - g[1];
    }
    return [wLat, wLon];
  }
  window.portalMapCoords = { wgsToGcj: wgsToGcj, gcjToWgs: gcjToWgs };

  function inside(lat, lon, ring) {
    var isIn = false;
    for (var i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      var yi = ring[i][0], xi = ring[i][1], yj = ring[j][0], xj = ring[j][1];
      if (yi > lat !== yj > lat && lon < ((xj - xi) * (lat - yi)) / (yj - yi) + xi) isIn = !isIn;
    }
    return isIn;
  }

  function readJSON(text) {
    try {
      return JSON.parse(text);
    } catch (e) {
      return null;
    }
  }

  function setup(el) {
    var data = readJSON((document.getElementById(el.dataset.map || "") || {}).textContent || "{}") || {};
    var config = readJSON(el.dataset.config || "{}") || {};
    var mode = el.dataset.mode || "view";
    var gcj = config.crs === "gcj02";
    var toMap = gcj ? wgsToGcj : function (lat, lon) { return [lat, lon]; };
    var fromMap = gcj ? gcjToWgs : function (lat, lon) { return [lat, lon]; };
    var shown = function (ring) {
      return ring.map(function (p) { return toMap(Number(p[0]), Number(p[1])); });
    };
    var areas = data.areas || [];
    var hasOutline = areas.some(function (a) { return a.outline && a.outline.length; });
    if (!config.tiles && !hasOutline && !(data.points || []).length && mode !== "draw") {
      // Nothing to draw on: the number boxes (and "use my location") do the job alone.
      el.hidden = true;
      var fallback = document.getElementById(el.dataset.fallback || "");
      if (fallback) fallback.open = true;
      return;
    }

    var map = L.map(el, {
      zoomControl: false,
      attributionControl: !!config.tiles,
      maxZoom: (config.tiles && config.tiles.max_zoom) || 19,
    });
    L.control.zoom({ zoomInTitle: el.dataset.zoomIn || "+", zoomOutTitle: el.dataset.zoomOut || "-" }).addTo(map);
    if (config.tiles) {
      map.attributionControl.setPrefix(false);
      var opts = { attribution: config.tiles.attribution, maxZoom: config.tiles.max_zoom || 18 };
      if (config.tiles.subdomains) opts.subdomains = config.tiles.subdomains;
      L.tileLayer(config.tiles.url, opts).addTo(map);
      if (config.tiles.overlay_url) {
        L.tileLayer(config.tiles.overlay_url, { subdomains: opts.subdomains, maxZoom: opts.maxZoom }).addTo(map);
      }
    } else {
      el.classList.add("map-plain");
    }

    var focusRing = null;
    areas.forEach(function (a) {
      if (!a.outline || !a.outline.length) return;
      var ring = shown(a.outline);
      // Outlines without a count are the frame (a community around its grids); an area
      // with a count is drawn like a grid (a district's streets, a city's districts).
      if (a.kind !== "grid" && a.count === undefined) {
        L.polygon(ring, { className: "map-community", interactive: false, fill: false }).addTo(map);
        return;
      }
      var cls = a.focus ? "map-grid map-grid-focus" : "map-grid";
      var layer = L.polygon(ring, { className: cls, interactive: mode === "view" });
      layer.addTo(map);
      if (a.focus) focusRing = a.outline;
      if (a.label && mode === "pick") {
        // Hung from the grid's top edge: the middle stays free for the chosen point.
        var box = layer.getBounds();
        L.tooltip({ permanent: true, direction: "bottom", className: cls.replace(/map-grid/g, "map-label"), interactive: false })
          .setLatLng([box.getNorth(), box.getCenter().lng])
          .setContent(a.label)
          .addTo(map);
      } else if (a.label && mode !== "draw") {
        layer.bindTooltip(a.label, {
          permanent: true,
          direction: "center",
          className: a.focus ? "map-label map-label-focus" : "map-label",
          interactive: false,
        });
      }
    });

    var pointBounds = [];
    (data.points || []).forEach(function (p) {
      var at = toMap(p.lat, p.lon);
      pointBounds.push(at);
      var marker = L.circleMarker(at, { className: "map-point", radius: 7 }).addTo(map);
      var box = document.createElement("div");
      var text = document.createElement(p.url ? "a" : "span");
      if (p.url) text.href = p.url;
      text.textContent = p.label;
      box.appendChild(text);
      marker.bindPopup(box);
    });

    var b = data.bounds;
    if (b) {
      map.fitBounds(L.latLngBounds([toMap(b[0][0], b[0][1]), toMap(b[1][0], b[1][1])]), { padding: [12, 12] });
    } else if (pointBounds.length) {
      map.fitBounds(L.latLngBounds(pointBounds), { padding: [24, 24], maxZoom: 17 });
    } else {
      var c = (data.center || [36.07, 120.38]).slice(0, 2);
      map.setView(toMap(c[0], c[1]), data.center ? 16 : 11);
    }

    if (mode === "pick") pick(el, map, toMap, fromMap, focusRing);
    if (mode === "draw") draw(el, map, toMap, fromMap);
  }

  // --- the report form: tap a point, or use the device's location --------------------
  function pick(el, map, toMap, fromMap, focusRing) {
    var lat = document.getElementById(el.dataset.lat || "id_lat");
    var lon = document.getElementById(el.dataset.lon || "id_lon");
    var status = document.getElementById(el.dataset.status || "");
    var marker = null;
    if (!lat || !lon) return;

    function show(wLat, wLon) {
      var at = toMap(wLat, wLon);
      if (marker) marker.setLatLng(at);
      else marker = L.circleMarker(at, { className: "map-point map-chosen", radius: 9 }).addTo(map);
      if (!status) return;
      var text = (el.dataset.chosen || "{lat}, {lon}")
        .replace("{lat}", wLat.toFixed(6))
        .replace("{lon}", wLon.toFixed(6));
      if (focusRing && !inside(wLat, wLon, focusRing)) text += " " + (el.dataset.outside || "");
      status.textContent = text;
    }
    function choose(wLat, wLon) {
      lat.value = wLat.toFixed(6);
      lon.value = wLon.toFixed(6);
      show(wLat, wLon);
    }
    map.on("click", function (e) {
      var w = fromMap(e.latlng.lat, e.latlng.lng);
      choose(w[0], w[1]);
    });
    // A refused form comes back with the point it was sent with.
    if (lat.value && lon.value && !isNaN(Number(lat.value)) && !isNaN(Number(lon.value))) {
      show(Number(lat.value), Number(lon.value));
    }
    function typed() {
      var a = Number(lat.value), o = Number(lon.value);
      if (lat.value && lon.value && isFinite(a) && isFinite(o)) show(a, o);
    }
    lat.addEventListener("change", typed);
    lon.addEventListener("change", typed);

    var locate = document.getElementById(el.dataset.locate || "");
    if (locate) {
      if (!navigator.geolocation) {
        locate.hidden = true;
        return;
      }
      locate.addEventListener("click", function () {
        if (status) status.textContent = el.dataset.locating || "";
        navigator.geolocation.getCurrentPosition(
          function (p) {
            choose(p.coords.latitude, p.coords.longitude);
            map.setView(toMap(p.coords.latitude, p.coords.longitude), Math.max(map.getZoom(), 16));
          },
          function () {
            if (status) status.textContent = el.dataset.noLocation || "";
          },
          { enableHighAccuracy: true, timeout: 15000 }
        );
      });
    }
  }

  // --- the admin's outline editor: tap the corners, or paste/upload GeoJSON ------------
  function draw(el, map, toMap, fromMap) {
    var field = document.getElementById(el.dataset.geojson || "");
    if (!field) return;
    var corners = [];
    var layer = null;

    function ringFrom(text) {
      var obj = readJSON(text);
      if (!obj) return null;
      if (obj.type === "FeatureCollection" && obj.features && obj.features.length === 1) obj = obj.features[0];
      if (obj.type === "Feature") obj = obj.geometry || {};
      if (obj.type === "MultiPolygon" && obj.coordinates && obj.coordinates.length === 1) {
        obj = { type: "Polygon", coordinates: obj.coordinates[0] };
      }
      if (obj.type !== "Polygon" || !obj.coordinates || !obj.coordinates[0]) return null;
      var ring = obj.coordinates[0].map(function (p) { return [Number(p[1]), Number(p[0])]; });
      if (ring.length > 1 && ring[0][0] === ring[ring.length - 1][0] && ring[0][1] === ring[ring.length - 1][1]) ring.pop();
      return ring;
    }
    function redraw(fit) {
      if (layer) map.removeLayer(layer);
      layer = null;
      if (!corners.length) return;
      var ring = corners.map(function (p) { return toMap(p[0], p[1]); });
      layer = (corners.length > 2 ? L.polygon(ring, { className: "map-grid map-grid-focus" }) : L.polyline(ring, { className: "map-grid map-grid-focus" })).addTo(map);
      if (fit) map.fitBounds(layer.getBounds(), { padding: [12, 12] });
    }
    function write() {
      if (corners.length < 3) {
        field.value = "";
        return;
      }
      var coords = corners.map(function (p) { return [Number(p[1].toFixed(7)), Number(p[0].toFixed(7))]; });
      coords.push(coords[0]);
      field.value = JSON.stringify({ type: "Polygon", coordinates: [coords] });
    }
    var start = ringFrom(field.value);
    if (start) {
      corners = start;
      redraw(true);
    }
    map.on("click", function (e) {
      corners.push(fromMap(e.latlng.lat, e.latlng.lng));
      redraw(false);
      write();
    });
    field.addEventListener("change", function () {
      var ring = ringFrom(field.value);
      if (ring) {
        corners = ring;
        redraw(true);
      }
    });
    var undo = document.getElementById(el.dataset.undo || "");
    if (undo) {
      undo.addEventListener("click", function () {
        corners.pop();
        redraw(false);
        write();
      });
    }
    var clear = document.getElementById(el.dataset.clear || "");
    if (clear) {
      clear.addEventListener("click", function () {
        corners = [];
        redraw(false);
        write();
      });
    }
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll(".map[data-map]"), setup);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
