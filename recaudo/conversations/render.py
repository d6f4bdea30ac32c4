"""The assistant's replies as each channel can show them, and the customer's answer back.

One reply becomes one outbound message ``(body, payload)``:

- web chat: the text, with the options in ``payload["options"]`` (buttons and links);
- WhatsApp: reply buttons (at most 3, titles up to 20 characters) or a list (at most 10 rows,
  titles up to 24 characters; longer titles are cut there, with "…"); link options go into the
  text, one per line. The provider sends
  them as interactive messages inside the 24-hour window; a provider without free-form
  interactive messages (Twilio) numbers them in the text instead;
- SMS: the text with numbered options ("1. Pagar") and plain links ("Pagar: https://...");
- RCS: suggested replies, titles cut at 25 characters (and suggested actions that open the
  link options);
- voice: the text to say, then "para ..., marque 1" per option (see ``twiml`` for the call).

``choice_from`` reads a numbered SMS answer, a pressed key or the title of an option back into
the option's id. Numbers count the options that are not links, in order, on every channel.
"""

import re
import unicodedata
from typing import Any

from django.utils.translation import gettext
from twilio.twiml.voice_response import VoiceResponse

from recaudo.conversations.replies import Option, Reply

WHATSAPP_MAX_BUTTONS = 3
WHATSAPP_MAX_BUTTON_TITLE = 20
WHATSAPP_MAX_ROWS = 10
WHATSAPP_MAX_ROW_TITLE = 24
WHATSAPP_MAX_INTERACTIVE_BODY = 1024
RCS_MAX_SUGGESTIONS = 11
RCS_MAX_SUGGESTION_TEXT = 25

# Twilio's text-to-speech voice and language, the same as the outbound calls.
VOICE = "Polly.Mia"
VOICE_LANGUAGE = "es-MX"
URL_PATTERN = re.compile(r"https?://\S+")


def cut(title: str, length: int) -> str:
    """``title`` within ``length`` characters ("Acordar fecha de pa…"); only the channels
    that limit titles (WhatsApp, RCS) cut them: the web chat and the terminal show them whole."""
    if len(title) <= length:
        return title
    return title[: length - 1].rstrip() + "…"


def _cut_all(options: list[dict[str, str]], length: int) -> list[dict[str, str]]:
    return [option | {"title": cut(option["title"], length)} for option in options]


def choices(options: tuple[Option, ...] | list[dict[str, Any]]) -> list[dict[str, str]]:
    """The options that can be chosen by number (the ones that are not links), as dicts."""
    found = []
    for option in options:
        data = option.as_json() if isinstance(option, Option) else dict(option)
        if not data.get("url"):
            found.append({"id": str(data.get("id", "")), "title": str(data.get("title", ""))})
    return found


def links(options: tuple[Option, ...]) -> list[Option]:
    return [option for option in options if option.url]


def _with_links(text: str, options: tuple[Option, ...]) -> str:
    lines = [text] if text else []
    lines += [f"{option.title}: {option.url}" for option in links(options)]
    return "\n".join(lines)


def _numbered(options: tuple[Option, ...]) -> list[str]:
    return [f"{number}. {option['title']}" for number, option in enumerate(choices(options), 1)]


def sms_text(reply: Reply) -> str:
    """The text, the numbered options, then the links."""
    lines = [reply.text] if reply.text else []
    lines += _numbered(reply.options)
    lines += [f"{option.title}: {option.url}" for option in links(reply.options)]
    return "\n".join(lines)


def _whatsapp(reply: Reply) -> tuple[str, dict[str, Any]]:
    options = choices(reply.options)
    body = _with_links(reply.text, reply.options)
    if not options:
        return body, {}
    if len(body) > WHATSAPP_MAX_INTERACTIVE_BODY:
        return sms_text(reply), {}
    if len(options) <= WHATSAPP_MAX_BUTTONS and all(
        len(option["title"]) <= WHATSAPP_MAX_BUTTON_TITLE for option in options
    ):
        return body, {"buttons": options}
    if len(options) <= WHATSAPP_MAX_ROWS:
        # A list row holds 24 characters: longer titles are cut (the id is what comes back).
        rows = _cut_all(options, WHATSAPP_MAX_ROW_TITLE)
        return body, {"list": {"button": gettext("Options"), "rows": rows}}
    return sms_text(reply), {}


def _rcs(reply: Reply) -> tuple[str, dict[str, Any]]:
    buttons = [option.as_json() for option in reply.options]
    if not buttons:
        return reply.text, {}
    if len(buttons) > RCS_MAX_SUGGESTIONS:
        return sms_text(reply), {}
    return reply.text, {
        "buttons": [
            button | {"title": cut(str(button["title"]), RCS_MAX_SUGGESTION_TEXT)}
            for button in buttons
        ]
    }


def spoken_options(options: tuple[Option, ...]) -> list[str]:
    return [
        gettext("For %(option)s, press %(number)d.") % {"option": option["title"], "number": n}
        for n, option in enumerate(choices(options), 1)
    ]


def spoken_text(reply: Reply) -> str:
    """What a call says for ``reply``: the text without links, then the numbered options."""
    text = " ".join(URL_PATTERN.sub("", reply.text).split())
    return " ".join([text, *spoken_options(reply.options)]).strip()


def for_channel(replies: list[Reply], channel: str) -> list[tuple[str, dict[str, Any]]]:
    """``(body, payload)`` of the outbound message that carries each reply on ``channel``."""
    rendered: list[tuple[str, dict[str, Any]]] = []
    for reply in replies:
        if channel == "whatsapp":
            rendered.append(_whatsapp(reply))
        elif channel == "rcs":
            rendered.append(_rcs(reply))
        elif channel == "voice":
            rendered.append((spoken_text(reply), {}))
        elif channel == "web":
            rendered.append((reply.text, {"options": [o.as_json() for o in reply.options]}))
        else:  # sms and anything that only shows text
            rendered.append((sms_text(reply), {}))
    return rendered


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    without_accents = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(re.sub(r"[^\w\s]", " ", without_accents).split())


def choice_from(text: str, last_options: list[dict[str, Any]]) -> str:
    """The id of the option ``text`` picks: its number ("2", "2."), its id or its title;
    "" when it picks none (the text is then read as a message)."""
    wanted = text.strip()
    if not wanted or not last_options:
        return ""
    numbered = choices(last_options)
    match = re.fullmatch(r"(\d{1,2})\s*[.)]?", wanted)
    if match:
        # "3" against "1 pago, 3 cuotas, 6 cuotas" means three instalments, not the third.
        named = [o for o in numbered if match.group(1) in re.findall(r"\d+", str(o["title"]))]
        if len(named) == 1:
            return str(named[0]["id"])
        index = int(match.group(1))
        return numbered[index - 1]["id"] if 1 <= index <= len(numbered) else ""
    plain = _plain(wanted)
    for option in last_options:
        if wanted == str(option.get("id", "")) or plain == _plain(str(option.get("title", ""))):
            return str(option.get("id", ""))
    return ""


def twiml(replies: list[Reply], *, gather_url: str, language: str) -> str:
    """The TwiML answering a call's turn: say the replies inside a gather of speech or keys
    (ended by # or a pause, so an option's key and a document's digits both work), then a
    goodbye if nothing was said. No replies (an adviser takes over) says so and hangs up."""
    response = VoiceResponse()
    if not replies:
        response.say(
            gettext("An adviser will continue this conversation. Thank you, goodbye."),
            language=language,
            voice=VOICE,
        )
        response.hangup()
        return str(response)
    numbered = choices(replies[-1].options)
    gather = response.gather(
        input="speech dtmf",
        language=language,
        action=gather_url,
        method="POST",
        timeout=6,
        speech_timeout="auto",
        hints=", ".join(option["title"] for option in numbered) or None,
        finish_on_key="#",
    )
    for reply in replies:
        text = spoken_text(reply)
        if text:
            gather.say(text, language=language, voice=VOICE)
    response.say(
        gettext("We did not receive an answer. Thank you for your time, goodbye."),
        language=language,
        voice=VOICE,
    )
    response.hangup()
    return str(response)


def _goodbye(text: str, language: str) -> str:
    response = VoiceResponse()
    response.say(text, language=language, voice=VOICE)
    response.hangup()
    return str(response)


def unknown_caller_twiml(*, language: str) -> str:
    """A call from a number that is on no customer's file: nothing to look up, say goodbye."""
    return _goodbye(
        gettext(
            "We could not find your number in our records. Please write to us from the "
            "number we have on file, or use the chat on our website. Goodbye."
        ),
        language,
    )


def apology_twiml(*, language: str) -> str:
    """The assistant could not take the turn (an error, already logged)."""
    return _goodbye(
        gettext(
            "Sorry, we cannot attend to you right now. Please call again later or write to "
            "us. Goodbye."
        ),
        language,
    )
