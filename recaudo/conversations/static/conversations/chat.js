/* Recaudo web chat: turns the page's forms into a live chat over POST <turns-url>, and polls
   GET <turns-url>?after=<id> for an adviser's answers (often while one has the conversation,
   now and then otherwise). Without this script the forms post to the page and it reloads. */
(function () {
  "use strict";
  var chat = document.querySelector(".chat");
  if (!chat || !window.fetch) { return; }
  var log = document.getElementById("log");
  var composer = document.getElementById("composer");
  var input = document.getElementById("text");
  var optionsForm = document.getElementById("options");
  var optionsList = document.getElementById("options-list");
  var errorBox = document.getElementById("error");
  var sendButton = composer.querySelector(".send");
  var csrf = composer.querySelector("input[name=csrfmiddlewaretoken]").value;
  var busy = false;
  // The options on screen (the page renders the first ones), to offer again if a send fails.
  var currentOptions = Array.prototype.map.call(
    optionsList.querySelectorAll("a, button"),
    function (element) {
      return element.tagName === "A"
        ? { id: "", title: element.textContent, url: element.getAttribute("href") }
        : { id: element.value, title: element.textContent, url: "" };
    }
  );

  function scrollToEnd() { log.scrollTop = log.scrollHeight; }

  function linkify(container, text) {
    var pattern = /https?:\/\/[^\s]+/g;
    var lines = text.split("\n");
    lines.forEach(function (line, index) {
      if (index > 0) { container.appendChild(document.createElement("br")); }
      var last = 0, match;
      while ((match = pattern.exec(line)) !== null) {
        container.appendChild(document.createTextNode(line.slice(last, match.index)));
        var a = document.createElement("a");
        a.href = match[0]; a.textContent = match[0]; a.target = "_blank"; a.rel = "noopener";
        container.appendChild(a);
        last = match.index + match[0].length;
      }
      container.appendChild(document.createTextNode(line.slice(last)));
    });
  }

  function addTurn(speaker, text) {
    var item = document.createElement("li");
    item.className = "turn " + speaker;
    var who = document.createElement("span");
    who.className = "visually-hidden";
    who.textContent = (speaker === "customer" ? chat.dataset.you
      : speaker === "agent" ? (chat.dataset.adviser || chat.dataset.assistant)
      : chat.dataset.assistant) + ":";
    var bubble = document.createElement("p");
    bubble.className = "bubble";
    linkify(bubble, text);
    item.appendChild(who);
    item.appendChild(bubble);
    log.appendChild(item);
    scrollToEnd();
    return item;
  }

  function showOptions(options) {
    currentOptions = options;
    optionsList.textContent = "";
    options.forEach(function (option) {
      var element;
      if (option.url) {
        element = document.createElement("a");
        element.href = option.url; element.target = "_blank"; element.rel = "noopener";
        element.className = "option link";
      } else {
        element = document.createElement("button");
        element.type = "submit"; element.name = "choice"; element.value = option.id;
        element.className = "option";
      }
      element.textContent = option.title;
      optionsList.appendChild(element);
    });
    optionsForm.hidden = options.length === 0;
  }

  function setBusy(value) {
    busy = value;
    sendButton.disabled = value;
    chat.setAttribute("aria-busy", value ? "true" : "false");
  }

  function readJson(response) {
    // A proxy's error page or a rejected session is HTML: say "failed", never a parser error.
    var type = response.headers.get("Content-Type") || "";
    if (type.indexOf("application/json") === -1) {
      return Promise.resolve({ ok: false, data: {} });
    }
    return response.json().then(function (data) { return { ok: response.ok, data: data }; },
      function () { return { ok: false, data: {} }; });
  }

  function send(text, choice, shownOptions) {
    if (busy) { return false; }
    errorBox.textContent = "";
    setBusy(true);
    var turn = text ? addTurn("customer", text) : null;
    showOptions([]);
    fetch(chat.dataset.turnsUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify({ text: text, choice: choice })
    }).then(readJson).then(function (result) {
      if (!result.ok) { throw new Error(result.data.error || chat.dataset.failed); }
      var last = [];
      result.data.replies.forEach(function (reply) {
        addTurn("assistant", reply.text);
        last = reply.options || [];
      });
      showOptions(last);
    }).catch(function (error) {
      errorBox.textContent = error && error.message ? error.message : chat.dataset.failed;
      // Not sent: take the customer's words back into the box and offer the options again.
      if (turn && turn.parentNode) { turn.parentNode.removeChild(turn); }
      if (text && !choice) { input.value = text; }
      showOptions(shownOptions || []);
    }).then(function () {
      setBusy(false);
    });
    return true;
  }

  composer.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text || busy) { input.focus(); return; }
    input.value = "";
    send(text, "", currentOptions);
    input.focus();
  });

  optionsForm.addEventListener("submit", function (event) {
    event.preventDefault();
    var button = event.submitter;
    if (!button || button.name !== "choice") { return; }
    send(button.textContent, button.value, currentOptions);
    input.focus();
  });

  // An adviser's answers arrive by polling: every 5 s while an adviser has the conversation,
  // every 30 s otherwise (an adviser may also write first). Paused while the tab is hidden.
  var lastTurn = null;
  var handedOff = false;
  function poll() {
    var url = chat.dataset.turnsUrl + (lastTurn === null ? "" : "?after=" + lastTurn);
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(readJson).then(function (result) {
        if (!result.ok) { return; }
        (result.data.turns || []).forEach(function (turn) { addTurn(turn.speaker, turn.text); });
        if (typeof result.data.last === "number") { lastTurn = result.data.last; }
        handedOff = !!result.data.handed_off;
      }).catch(function () { /* offline: try again at the next tick */ })
      .then(function () { window.setTimeout(tick, handedOff ? 5000 : 30000); });
  }
  function tick() {
    if (document.hidden) { window.setTimeout(tick, 5000); return; }
    poll();
  }
  poll();

  scrollToEnd();
})();
