// Console behaviour shared by every screen; htmx does the rest (hx-* attributes).
// After htmx swaps in new content, move focus to an element that asks for it
// (data-autofocus), so keyboard and screen-reader users land on the result.
document.addEventListener("htmx:afterSwap", (event) => {
  const target = event.detail.target.querySelector("[data-autofocus]");
  if (target) target.focus();
});
