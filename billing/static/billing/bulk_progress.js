// The bulk job's progress page: polls the job's status URL and updates the page in place
// until the job has finished. Served from our static files (the admin's CSP allows no other).
(function () {
  "use strict";
  var root = document.getElementById("bulk-progress");
  if (!root) { return; }
  var url = root.getAttribute("data-status-url");
  var INTERVAL = 1000;

  function text(id, value) {
    document.getElementById(id).textContent = String(value);
  }

  function show(id, visible) {
    document.getElementById(id).hidden = !visible;
  }

  function renderErrors(errors, more, finished) {
    var body = document.querySelector("#bulk-errors tbody");
    body.replaceChildren();
    errors.forEach(function (error) {
      var row = document.createElement("tr");
      var cell = document.createElement("td");
      var link = document.createElement("a");
      link.href = error.url;
      link.textContent = error.invoice;
      cell.appendChild(link);
      var reason = document.createElement("td");
      reason.textContent = error.error;
      row.appendChild(cell);
      row.appendChild(reason);
      body.appendChild(row);
    });
    show("bulk-errors", errors.length > 0);
    text("bulk-no-errors", finished ? "No errors." : "No errors so far.");
    show("bulk-no-errors", errors.length === 0);
    document.querySelector("#bulk-more-errors span").textContent = String(more);
    show("bulk-more-errors", more > 0);
  }

  function render(state) {
    var bar = document.getElementById("bulk-bar");
    bar.max = state.total;
    bar.value = state.done;
    bar.textContent = state.percent + " %";
    text("bulk-status-label", state.status_label);
    text("bulk-elapsed", state.elapsed);
    text("bulk-done", state.done);
    text("bulk-total", state.total);
    text("bulk-percent", state.percent);
    text("bulk-failed", state.failed);
    document.querySelector("#bulk-awaiting span").textContent = String(state.awaiting);
    show("bulk-awaiting", state.awaiting > 0);
    renderErrors(state.errors, state.more_errors, state.finished);
    if (state.result_url) {
      document.getElementById("bulk-result-link").href = state.result_url;
    }
    show("bulk-result", Boolean(state.result_url));
    show("bulk-cancel", !state.finished);
    root.setAttribute("data-finished", state.finished ? "true" : "false");
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (answer) {
        if (!answer.ok) { throw new Error("status " + answer.status); }
        return answer.json();
      })
      .then(function (state) {
        render(state);
        if (!state.finished) { window.setTimeout(poll, INTERVAL); }
      })
      .catch(function () { window.setTimeout(poll, INTERVAL * 5); });
  }

  if (root.getAttribute("data-finished") !== "true") { window.setTimeout(poll, INTERVAL); }
})();
