/* The reminder policy page: the example plan follows the form before it is saved (the server
   renders it from the form as it is), and "Add a step" / "Add a holiday" add empty rows.
   The script is deferred: a clerk (or a slow connection) may change a field before it runs, so
   on start it compares every field with the value the page was served with and, if one differs,
   renders the example at once instead of waiting for the next change. */
(function () {
  "use strict";
  const form = document.getElementById("reminder-policy");
  if (!form) {
    return;
  }
  const target = document.getElementById("example-plan");
  const manual = document.getElementById("example-update");
  let timer = null;
  let inflight = null;

  function refresh() {
    if (inflight) {
      inflight.abort();
    }
    inflight = new AbortController();
    target.setAttribute("aria-busy", "true");
    fetch(form.dataset.exampleUrl, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      signal: inflight.signal,
    })
      .then(function (response) {
        return response.ok ? response.text() : Promise.reject(new Error(String(response.status)));
      })
      .then(function (html) {
        target.innerHTML = html;
        target.setAttribute("aria-busy", "false");
      })
      .catch(function (error) {
        if (error.name !== "AbortError") {
          target.setAttribute("aria-busy", "false");
        }
      });
  }

  function schedule() {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 250);
  }

  function addRow(prefix) {
    const total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
    const max = document.getElementById("id_" + prefix + "-MAX_NUM_FORMS");
    const count = parseInt(total.value, 10);
    if (max && count >= parseInt(max.value, 10)) {
      return;
    }
    const html = document.getElementById(prefix + "-empty").innerHTML
      .replace(/__prefix__/g, String(count))
      .replace(/__number__/g, String(count + 1));
    const rows = document.getElementById(prefix + "-rows");
    rows.insertAdjacentHTML("beforeend", html);
    total.value = String(count + 1);
    rows.lastElementChild.querySelector("input").focus();
  }

  function changedBeforeStart() {
    return Array.prototype.some.call(form.elements, function (field) {
      if (field.type === "checkbox" || field.type === "radio") {
        return field.checked !== field.defaultChecked;
      }
      if (field.tagName === "SELECT") {
        const options = Array.prototype.slice.call(field.options);
        if (field.multiple) {
          return options.some(function (option) {
            return option.selected !== option.defaultSelected;
          });
        }
        const served = options.findIndex(function (option) {
          return option.defaultSelected;
        });
        return field.selectedIndex !== Math.max(served, 0);
      }
      return "defaultValue" in field && field.type !== "submit" && field.value !== field.defaultValue;
    });
  }

  form.addEventListener("input", schedule);
  form.addEventListener("change", schedule);
  document.querySelectorAll("[data-add-row]").forEach(function (button) {
    button.addEventListener("click", function () {
      addRow(button.dataset.addRow);
    });
  });
  if (manual) {
    manual.hidden = true;
  }
  if (changedBeforeStart()) {
    refresh();
  }
})();
