// Printable pages (the room record, a receipt, a notice): their Print buttons. No inline
// handlers: the pages' Content-Security-Policy admits the app's own scripts only.
for (const button of document.querySelectorAll("[data-print]")) {
  button.addEventListener("click", () => window.print());
}
