// Print buttons (`data-print`) on printable pages. The pages work without it: the button
// is a shortcut for the browser's own Print command, loaded as a file so the
// Content-Security-Policy (script-src 'self') needs no exception.
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.addEventListener("click", function () { window.print(); });
});
