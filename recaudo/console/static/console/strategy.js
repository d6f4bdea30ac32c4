// Strategy editors: the creditor selector shows the chosen creditor at once; the rest is htmx.
document.addEventListener("change", (event) => {
  const select = event.target.closest("select[data-autosubmit]");
  if (select && select.form) select.form.submit();
});
// A form with data-confirm asks before it is sent (removing a step, stopping an experiment).
document.addEventListener("submit", (event) => {
  const form = event.target.closest("form[data-confirm]");
  if (form && !window.confirm(form.dataset.confirm)) event.preventDefault();
});
