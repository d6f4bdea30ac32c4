// The idle timeout counts only what the user does: an htmx request no user event triggered (a
// poll such as the inbox's "every 10s", a "load") is marked as background, so an open inbox does
// not keep an unattended session alive (recaudo/console/access.py, BACKGROUND_HEADER).
document.addEventListener("htmx:configRequest", (event) => {
  if (!event.detail.triggeringEvent) event.detail.headers["X-Recaudo-Background"] = "1";
});
