// The inbox and the conversation view: small behaviours on top of htmx.
(function () {
  "use strict";

  // A form whose button says data-once sends once: a double click does not post twice (the
  // server deduplicates too, by the form's key).
  document.addEventListener("submit", (event) => {
    const button = event.target.querySelector("button[data-once]");
    if (!button) return;
    if (button.dataset.sent) {
      event.preventDefault();
      return;
    }
    button.dataset.sent = "1";
    button.disabled = true;
  });

  // The history opens at its newest entry, and stays there when the poll adds one.
  function toEnd() {
    const log = document.querySelector("#timeline .timeline");
    if (log) log.scrollTop = log.scrollHeight;
  }
  document.addEventListener("DOMContentLoaded", toEnd);
  document.addEventListener("htmx:afterSwap", (event) => {
    if (event.detail.target.id === "timeline") toEnd();
  });

  // A poll answered by the login page (the session ended): reload, so the login shows whole.
  document.addEventListener("htmx:beforeSwap", (event) => {
    const url = event.detail.xhr && event.detail.xhr.responseURL;
    if (url && url.indexOf("/console/login") !== -1) {
      event.detail.shouldSwap = false;
      window.location.reload();
    }
  });

  // The live queue does not refresh while the pointer or focus is on one of its buttons, so a
  // row never moves under a click, nor while a row's details are open (a reason being read, an
  // outcome being written) or focus is in one of its fields.
  document.addEventListener("htmx:beforeRequest", (event) => {
    const queue = event.detail.elt;
    if (queue.id !== "queue") return;
    const active = document.activeElement;
    const focused = active && queue.contains(active) ? active.tagName : "";
    if (queue.matches(":hover") && queue.querySelector("button:hover")) event.preventDefault();
    else if (["BUTTON", "TEXTAREA", "INPUT", "SUMMARY"].includes(focused)) event.preventDefault();
    else if (queue.querySelector("details[open]")) event.preventDefault();
  });
})();
