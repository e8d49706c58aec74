// A new API token's field selects its text on focus, ready to copy (no inline handler: CSP).
document.querySelectorAll("[data-select-on-focus]").forEach(function (field) {
  field.addEventListener("focus", function () { field.select(); });
});
