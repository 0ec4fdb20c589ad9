// The printable list's print button (no inline handler: the Content-Security-Policy refuses them).
document.addEventListener("click", (event) => {
  const target = event.target;
  if (target instanceof HTMLButtonElement && target.hasAttribute("data-print")) {
    window.print();
  }
});
