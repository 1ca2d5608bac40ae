// chongdich: the progress bar of an Excel import (/quarantine/returnees/import/{id}) follows
// GET /api/v1/imports/{id} every 500 ms; when the import ends the page is loaded again and shows
// the outcome. Without JavaScript the page refreshes itself (a <noscript> meta refresh).
(function () {
  "use strict";
  var bar = document.getElementById("import-progress");
  if (!bar || !window.fetch) { return; }
  var url = bar.getAttribute("data-poll");
  var text = document.getElementById("import-progress-text");
  function show(p) {
    if (!p) { return; }
    if (p.phase === "writing") {
      bar.max = Math.max(p.total, 1);
      bar.value = p.done;
      text.textContent = "Đã ghi " + p.done + " / " + p.total + " dòng.";
    } else {
      bar.removeAttribute("value");
      text.textContent = "Đang kiểm tra lại các dòng trước khi ghi (" + p.done + " dòng).";
    }
  }
  function tick() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (job) {
        if (!job) { window.setTimeout(tick, 2000); return; }
        if (job.status !== "running") { window.location.reload(); return; }
        show(job.progress);
        window.setTimeout(tick, 500);
      })
      .catch(function () { window.setTimeout(tick, 2000); });
  }
  window.setTimeout(tick, 500);
})();
