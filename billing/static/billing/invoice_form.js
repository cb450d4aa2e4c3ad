// The invoice form's live totals. The server prices the form as it stands (the same
// calculator saving uses) and answers formatted figures; this script only shows them:
// it never computes an amount.
"use strict";
(function () {
  const panel = document.getElementById("live-totals");
  const form = panel && panel.closest("form");
  if (!form) {
    return;
  }
  const errors = document.getElementById("live-totals-errors");
  const taxes = document.getElementById("live-totals-taxes");
  let asked = 0;
  let timer = null;

  function setText(selector, text) {
    const node = panel.querySelector(selector);
    if (node) {
      node.textContent = text;
    }
  }

  function cell(text) {
    const node = document.createElement("td");
    node.textContent = text;
    return node;
  }

  function showTaxes(rows) {
    taxes.replaceChildren(...rows.map(function (row) {
      const line = document.createElement("tr");
      const head = document.createElement("th");
      head.scope = "row";
      head.textContent = row.label;
      line.append(head, cell(row.taxable ? "on " + row.taxable : ""), cell(row.amount));
      return line;
    }));
  }

  function showLines(lines) {
    lines.forEach(function (line, index) {
      const row = document.getElementById("items-" + index);
      if (!row) {
        return;
      }
      const fields = {
        name: "name",
        unit_price: "unit_price_display",
        amount: "amount_display",
        tax: "tax_display",
      };
      Object.keys(fields).forEach(function (key) {
        const node = row.querySelector(".field-" + fields[key] + " p");
        if (node) {
          node.textContent = line ? line[key] : "—";
        }
      });
    });
  }

  function showErrors(list) {
    errors.replaceChildren(...list.map(function (text) {
      const item = document.createElement("li");
      item.textContent = text;
      return item;
    }));
    errors.hidden = list.length === 0;
    panel.classList.toggle("live-totals-refused", list.length > 0);
  }

  function show(answer) {
    showErrors(answer.errors || []);
    if (answer.errors && answer.errors.length) {
      // Figures of a form that cannot be priced would be figures of another invoice.
      [".live-subtotal", ".live-total strong", ".live-amount-due"].forEach(function (selector) {
        setText(selector, "—");
      });
      showTaxes([]);
      return;
    }
    setText(".live-subtotal", answer.subtotal);
    setText(".live-total strong", answer.total);
    setText(".live-amount-due", answer.amount_due);
    showTaxes(answer.taxes);
    showLines(answer.lines);
  }

  function refresh() {
    const mine = ++asked;
    fetch(panel.dataset.url, {method: "POST", body: new FormData(form), credentials: "same-origin"})
      .then(function (response) {
        return response.json();
      })
      .then(function (answer) {
        if (mine === asked) {
          show(answer);
        }
      })
      .catch(function () {
        if (mine === asked) {
          showErrors(["The totals could not be worked out just now: they are on the saved draft."]);
        }
      });
  }

  function soon() {
    clearTimeout(timer);
    timer = setTimeout(refresh, 250);
  }

  form.addEventListener("input", soon);
  form.addEventListener("change", soon);
  document.addEventListener("formset:added", soon);
  document.addEventListener("formset:removed", soon);
  refresh();
})();
