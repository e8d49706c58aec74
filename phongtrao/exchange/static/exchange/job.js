// The import page: polls the job's progress and shows it (no inline script: CSP).
(function () {
  var box = document.getElementById("job");
  if (box.dataset.finished === "1") return;
  var text = function (id, value) { document.getElementById(id).textContent = value; };
  function show(p) {
    text("job-status", p.statusLabel);
    document.getElementById("job-bar").value = p.percent;
    text("job-text", p.text);
    if (p.error) { var e = document.getElementById("job-error"); e.textContent = p.error; e.hidden = false; }
    document.getElementById("job-retry").hidden = !p.retryable;
    if (p.summary) {
      var s = p.summary, c = s.importCount;
      text("summary-status", s.status + " — " + s.description);
      text("count-imported", c.imported); text("count-updated", c.updated);
      text("count-deleted", c.deleted); text("count-ignored", c.ignored);
      var list = document.getElementById("conflicts");
      list.textContent = "";
      (s.conflicts.length ? s.conflicts : [{object: "", value: "Không có."}]).forEach(function (x) {
        var li = document.createElement("li");
        if (x.object) { var code = document.createElement("code"); code.textContent = x.object; li.appendChild(code); li.appendChild(document.createTextNode(": ")); }
        li.appendChild(document.createTextNode(x.value));
        list.appendChild(li);
      });
      document.getElementById("job-summary").hidden = false;
    }
  }
  function poll() {
    fetch(box.dataset.url, {credentials: "same-origin"}).then(function (r) { return r.json(); }).then(function (p) {
      show(p);
      if (!p.finished) setTimeout(poll, 700);
    }).catch(function () { setTimeout(poll, 2000); });
  }
  setTimeout(poll, 300);
})();
