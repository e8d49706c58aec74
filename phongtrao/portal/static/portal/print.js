// "In trang này" prints the page; shown only where scripts run (no inline handler: CSP).
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.hidden = false;
  button.addEventListener("click", function () { window.print(); });
});
