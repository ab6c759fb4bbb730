// The operators' console: refreshes the numbers from /api/snapshot every 5 seconds (a file, as the
// pages' Content-Security-Policy allows no inline script). Without it the page still works (the
// <noscript> refresh reloads it).
(function () {
  var ns = "http://www.w3.org/2000/svg";
  var months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  // The sampling time as the page writes it (the kit's PeopleDates.second): Kyiv time, never UTC;
  // `30.11.2026 14:05:09` in Ukrainian, `30 Nov 2026, 14:05:09` in English.
  function kyivTime(iso) {
    var parts = {};
    new Intl.DateTimeFormat("en-GB", { timeZone: "Europe/Kyiv", year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" })
      .formatToParts(new Date(iso)).forEach(function (p) { parts[p.type] = p.value; });
    var time = parts.hour + ":" + parts.minute + ":" + parts.second;
    if (document.documentElement.lang === "en") {
      return Number(parts.day) + " " + months[Number(parts.month) - 1] + " " + parts.year + ", " + time;
    }
    return parts.day + "." + parts.month + "." + parts.year + " " + time;
  }
  function refresh() {
    fetch("/api/snapshot", { credentials: "same-origin" }).then(function (r) {
      if (r.status === 401) { location.href = "/login"; return null; }
      return r.json();
    }).then(function (s) {
      if (!s || !s.report) return;
      var rep = s.report, q = rep.queues || [], known = true;
      document.getElementById("sampled").textContent = kyivTime(rep.generatedAt);
      q.forEach(function (x) {
        var row = document.querySelector('tr[data-queue="' + x.name.replace(/"/g, "") + '"]');
        if (!row) { known = false; return; }
        [["ready", x.ready], ["unacked", x.unacked], ["publishRate", x.publishRate.toFixed(1)],
         ["deliverRate", x.deliverRate.toFixed(1)]].forEach(function (p) {
          var c = row.querySelector('[data-f="' + p[0] + '"]'); if (c) c.textContent = p[1];
        });
        var c = row.querySelector('[data-f="consumers"]');
        if (c && c.textContent.trim() !== String(x.consumers)) known = false;
        if (x.name.slice(-5) === ".dead" && (x.ready + x.unacked > 0) !== !!row.querySelector("form")) known = false;
      });
      var svg = document.getElementById("chart"), legend = document.getElementById("legend");
      while (svg.firstChild) svg.removeChild(svg.firstChild);
      legend.textContent = "";
      s.chart.series.forEach(function (l, index) {
        var p = document.createElementNS(ns, "polyline");
        p.setAttribute("fill", "none"); p.setAttribute("stroke", l.color); p.setAttribute("stroke-width", "2.5");
        p.setAttribute("points", l.points);
        svg.appendChild(p);
        var span = document.createElement("span"), i = document.createElement("i"), b = document.createElement("b");
        i.className = "series-" + (index % 8); b.textContent = l.last;
        span.appendChild(i); span.appendChild(document.createTextNode(l.queue + ": ")); span.appendChild(b);
        legend.appendChild(span);
      });
      document.getElementById("chart-max").textContent = s.chart.maxValue;
      document.getElementById("chart-span").textContent = s.chart.spanSeconds;
      var dead = 0;
      q.forEach(function (x) { if (x.name.slice(-5) === ".dead") dead += x.ready + x.unacked; });
      document.getElementById("dead-total").textContent = dead;
      if (!known || document.getElementById("overall") === null) location.reload();
    }).catch(function () {});
  }
  setInterval(refresh, 5000);
})();
