// Customer view: when the plan options arrive, put the keyboard on the first option; after an
// action the panel's status message takes the focus (console.js, data-autofocus).
document.addEventListener("htmx:afterSwap", (event) => {
  const target = event.detail.target;
  if (target && target.id && target.id.startsWith("plan-") && target.id.endsWith("-body")) {
    const first = target.querySelector("input[type=radio]");
    if (first) first.focus();
  }
});
