// Hromada: the librarian's form's location picker (a file: the pages' CSP allows no inline script).
// Leaflet (Debian's libjs-leaflet, served by intake) draws the map; the tiles come from the tile
// server the page names, and when it cannot be reached the map stays blank and still works: a click
// sets the point. The point lives in the two plain inputs `lat` and `lon` (typed by hand, usable
// without this script, kept in the tab by hromada.js like every field); a marker shows it, "clear"
// removes it, and a point inside one of the shipped (approximate) district outlines fills the
// district select, which the librarian may still change by hand.
(function () {
  "use strict";
  var element = document.getElementById("map");
  var latInput = document.getElementById("lat");
  var lonInput = document.getElementById("lon");
  var district = document.getElementById("district");
  var clearButton = document.getElementById("map-clear");
  if (!element || !latInput || !lonInput || typeof window.L === "undefined") { return; }
  var L = window.L;

  var b = (element.getAttribute("data-bounds") || "").split(",").map(Number);
  var city = L.latLngBounds([b[0], b[1]], [b[2], b[3]]);
  var map = L.map(element, { maxBounds: city.pad(0.5), minZoom: 10, maxZoom: 19 });
  map.fitBounds(city);
  L.tileLayer(element.getAttribute("data-tiles"), {
    attribution: element.getAttribute("data-attribution"), maxZoom: 19, subdomains: "abc"
  }).addTo(map);

  var districts = [];
  var marker = null;
  var writing = false;  // our own writes to the inputs, already shown on the map

  // Text as typed: a number (a decimal comma too), null when empty, NaN otherwise.
  function parse(text) {
    var t = (text || "").trim().replace(",", ".");
    if (t === "") { return null; }
    var n = Number(t);
    return isFinite(n) ? n : NaN;
  }

  // Tell hromada.js (which keeps what was typed) and anyone listening that a field changed.
  function changed(field) {
    writing = true;
    try { field.dispatchEvent(new Event("change", { bubbles: true })); } finally { writing = false; }
  }

  // Even-odd rule over a polygon's rings ([lon, lat] positions, as GeoJSON has them).
  function inPolygon(rings, lat, lon) {
    var inside = false;
    rings.forEach(function (ring) {
      for (var i = 0, j = ring.length - 1; i < ring.length; j = i++) {
        var a = ring[i], c = ring[j];
        if ((a[1] > lat) !== (c[1] > lat) && lon < (c[0] - a[0]) * (lat - a[1]) / (c[1] - a[1]) + a[0]) {
          inside = !inside;
        }
      }
    });
    return inside;
  }

  function districtAt(lat, lon) {
    for (var i = 0; i < districts.length; i++) {
      var g = districts[i].geometry;
      var polygons = g.type === "Polygon" ? [g.coordinates] : g.coordinates;
      for (var k = 0; k < polygons.length; k++) {
        if (inPolygon(polygons[k], lat, lon)) { return districts[i].properties.code; }
      }
    }
    return null;
  }

  function show(lat, lon) {
    if (marker) { marker.setLatLng([lat, lon]); }
    else { marker = L.marker([lat, lon], { interactive: false, keyboard: false }).addTo(map); }
    if (clearButton) { clearButton.hidden = false; }
  }

  function hide() {
    if (marker) { map.removeLayer(marker); marker = null; }
    if (clearButton) { clearButton.hidden = true; }
  }

  // A point chosen on the map or typed: the inputs, the marker, and the district it lies in.
  function choose(lat, lon, writeInputs) {
    if (writeInputs) {
      latInput.value = lat.toFixed(6);
      lonInput.value = lon.toFixed(6);
      changed(latInput);
      changed(lonInput);
    }
    show(lat, lon);
    var code = districtAt(lat, lon);
    if (code && district && district.value !== code) {
      district.value = code;
      changed(district);
    }
  }

  // The inputs' point when both are numbers inside the city, else null.
  function typedPoint() {
    var lat = parse(latInput.value), lon = parse(lonInput.value);
    if (lat === null || lon === null || isNaN(lat) || isNaN(lon) || !city.contains([lat, lon])) { return null; }
    return [lat, lon];
  }

  map.on("click", function (event) { choose(event.latlng.lat, event.latlng.lng, true); });

  [latInput, lonInput].forEach(function (input) {
    input.addEventListener("change", function (event) {
      if (writing) { return; }
      var point = typedPoint();
      if (point) { choose(point[0], point[1], false); map.panTo(point); } else { hide(); }
    });
  });

  if (clearButton) {
    clearButton.addEventListener("click", function () {
      latInput.value = "";
      lonInput.value = "";
      changed(latInput);
      changed(lonInput);
      hide();
    });
  }

  // A point already there (sent back with an error, or kept in this tab): shown, the district as it was.
  var initial = typedPoint();
  if (initial) { show(initial[0], initial[1]); map.setView(initial, 14); }

  // The outlines: drawn (they give the blank map its shape) and used to fill the district.
  var url = element.getAttribute("data-districts");
  if (url && window.fetch) {
    window.fetch(url, { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data || !data.features) { return; }
        districts = data.features;
        L.geoJSON(data, { interactive: false, style: { color: "#0b5394", weight: 2, fillOpacity: 0.05 } }).addTo(map);
        element.setAttribute("data-ready", "districts");
      })
      .catch(function () { /* no outlines: the district is chosen by hand */ });
  }
  // The browser tests find a point's pixel through the map (Leaflet keeps no reference to it).
  element.hromadaMap = map;
  element.setAttribute("data-map", "ready");
})();
