// Quick order's "Find a product": pick a SKU from the suggestions (a <datalist> htmx fills
// from the server), type a quantity, press Enter or "Add line", and "SKU, quantity" is added
// as a line of the box below. Nothing is sent to the server until "Add to cart".
(function () {
  "use strict";

  // As portal.catalog.models.SKU_PATTERN and the quantity field: letters, digits - . _ and
  // plain ASCII digits. The server checks both again when the lines are sent.
  const SKU = /^[A-Za-z0-9][-A-Za-z0-9._]{0,39}$/;
  const QUANTITY = /^[0-9]+$/;

  const finder = document.getElementById("finder");
  const lines = finder && document.getElementById(finder.dataset.lines);
  if (!finder || !lines) return;
  const sku = document.getElementById("finder-q");
  const quantity = document.getElementById("finder-qty");
  const suggestions = document.getElementById("finder-suggestions");
  const status = document.getElementById("finder-status");
  let quantityTyped = false;

  function say(field, message) {
    const slot = document.getElementById(field.id + "-error");
    slot.textContent = message;
    if (message) {
      field.setAttribute("aria-invalid", "true");
    } else {
      field.removeAttribute("aria-invalid");
    }
  }

  // The suggestion whose SKU is what was typed, in any case.
  function suggestionFor(text) {
    const wanted = text.toUpperCase();
    return Array.from(suggestions.options).find(function (option) {
      return option.value.toUpperCase() === wanted;
    });
  }

  sku.addEventListener("input", function () {
    say(sku, "");
    const option = suggestionFor(sku.value.trim());
    // A product picked from the list brings its smallest orderable quantity along, unless
    // a quantity was typed already.
    if (option && !quantityTyped && option.dataset.minQty) {
      quantity.value = option.dataset.minQty;
      say(quantity, "");
    }
  });

  quantity.addEventListener("input", function () {
    quantityTyped = quantity.value.trim() !== "";
    say(quantity, "");
  });

  finder.addEventListener("submit", function (event) {
    event.preventDefault();
    const typed = sku.value.trim();
    const option = suggestionFor(typed);
    const code = option ? option.value : typed;
    const amount = quantity.value.trim();
    let wrong = null;
    if (!SKU.test(code)) {
      say(sku, typed
        ? "“" + typed + "” is not a SKU: pick a product from the suggestions."
        : "Type a SKU or part of a name, then pick a product from the suggestions.");
      wrong = sku;
    }
    if (!QUANTITY.test(amount) || Number(amount) < 1) {
      say(quantity, "Type a quantity: a whole number of at least 1.");
      wrong = wrong || quantity;
    }
    if (wrong) {
      status.textContent = "";
      wrong.focus();
      return;
    }
    const text = lines.value;
    const separator = text === "" || text.endsWith("\n") ? "" : "\n";
    lines.value = text + separator + code + ", " + amount;
    status.textContent = "Added the line “" + code + ", " + amount + "” below.";
    sku.value = "";
    quantity.value = "";
    quantityTyped = false;
    suggestions.replaceChildren();
    sku.focus();
  });

  finder.hidden = false;
})();
