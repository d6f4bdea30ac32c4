"""The web chat: a standalone page per creditor, the script that embeds it, and its turns.

The conversation belongs to the browser through the Django session (stored in the database,
so it survives restarts): the session holds a random address per creditor, never shown. The
page works without JavaScript (a form that posts and redirects back); ``chat.js`` turns it into
a live chat over ``/chat/<slug>/turns``. ``widget.js`` adds a floating button that opens the
page in an iframe.
"""

import json
import secrets
from functools import cache as memoize
from pathlib import Path
from typing import Any

from django.core.cache import cache
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_GET, require_http_methods

from recaudo.conversations.actions import ACTIVE_STATUSES, open_conversation, take_turn
from recaudo.conversations.models import Conversation, ConversationStatus, Speaker, Turn
from recaudo.conversations.replies import Reply
from recaudo.debts.models import Creditor

MAX_TEXT_CHARS = 500
MAX_CHOICE_CHARS = 200
# Turns per session and minute; more is a script, not a person.
MAX_TURNS_PER_MINUTE = 30
TRANSCRIPT_TURNS = 60
ASSETS = Path(__file__).resolve().parent / "static" / "conversations"
ASSET_TYPES = {"chat.js": "text/javascript", "chat.css": "text/css"}


class TurnRefused(ValueError):
    def __init__(self, message: str, *, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def _creditor(slug: str) -> Creditor:
    return get_object_or_404(Creditor, slug=slug)


def _session_key(creditor: Creditor) -> str:
    return f"chat:{creditor.id}"


def _address(request: HttpRequest, creditor: Creditor) -> str:
    """The browser's random address for ``creditor``, kept in its session."""
    key = _session_key(creditor)
    address = request.session.get(key)
    if not address:
        address = f"web:{secrets.token_urlsafe(18)}"
        request.session[key] = address
    return str(address)


def _conversation(request: HttpRequest, creditor: Creditor) -> Conversation:
    """The browser's conversation with ``creditor``."""
    return open_conversation(
        creditor,
        channel="web",
        address=_address(request, creditor),
        language=translation.get_language() or "es",
    )


def _last_options(conversation: Conversation) -> list[dict[str, Any]]:
    turn = (
        Turn.objects.filter(conversation=conversation)
        .order_by("-at", "-id")
        .only("speaker", "options")
        .first()
    )
    if turn is None or turn.speaker != Speaker.ASSISTANT:
        return []
    return list(turn.options or [])


def _check_rate(request: HttpRequest, creditor: Creditor) -> None:
    """At most MAX_TURNS_PER_MINUTE turns per conversation and minute (counted in the cache:
    per process with the default local-memory cache, which is enough to stop a loop)."""
    key = f"chat-rate:{_address(request, creditor)}"
    cache.add(key, 0, timeout=60)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=60)
        count = 1
    if count > MAX_TURNS_PER_MINUTE:
        raise TurnRefused(
            gettext("Too many messages in a short time. Please wait a minute and try again."),
            status=429,
        )


def _turn(
    request: HttpRequest, creditor: Creditor, *, text: Any, choice: Any
) -> tuple[Conversation, list[Reply]]:
    """Validate the customer's input and take the turn."""
    if not isinstance(text, str) or not isinstance(choice, str):
        raise TurnRefused(gettext("The message must be text."))
    text, choice = text.strip(), choice.strip()
    if len(text) > MAX_TEXT_CHARS:
        raise TurnRefused(
            gettext("The message is too long: at most %(count)d characters, please.")
            % {"count": MAX_TEXT_CHARS}
        )
    if len(choice) > MAX_CHOICE_CHARS:
        raise TurnRefused(gettext("That option is not valid."))
    if not text and not choice:
        raise TurnRefused(gettext("Please write a message."))
    _check_rate(request, creditor)
    conversation = _conversation(request, creditor)
    if choice and not text:
        text = next(
            (str(o.get("title", "")) for o in _last_options(conversation) if o.get("id") == choice),
            "",
        )
    replies: list[Reply] = take_turn(conversation, text, choice=choice)
    return conversation, replies


def _transcript(conversation: Conversation) -> list[Turn]:
    turns = list(
        Turn.objects.filter(conversation=conversation).order_by("-at", "-id")[:TRANSCRIPT_TURNS]
    )
    turns.reverse()
    return [turn for turn in turns if turn.text or turn.options]


@xframe_options_exempt  # the widget shows this page in an iframe on the creditor's site
@require_http_methods(["GET", "POST"])
def chat_page(request: HttpRequest, slug: str) -> HttpResponse:
    """``/chat/<slug>/``: the chat page; its form posts here when JavaScript is off."""
    creditor = _creditor(slug)
    error = ""
    if request.method == "POST":
        try:
            _turn(
                request,
                creditor,
                text=request.POST.get("text", ""),
                choice=request.POST.get("choice", ""),
            )
        except TurnRefused as refused:
            error = str(refused)
        else:
            # Back to the same page (keeping ``?embedded=1``), at the newest message.
            return HttpResponseRedirect(request.get_full_path() + "#latest")
    conversation = _conversation(request, creditor)
    if not Turn.objects.filter(conversation=conversation).exists():
        take_turn(conversation, "")  # the greeting
    turns = _transcript(conversation)
    options = _last_options(conversation)
    return render(
        request,
        "conversations/chat.html",
        {
            "creditor": creditor,
            "turns": turns,
            "options": options,
            "error": error,
            "handed_off": conversation.status == ConversationStatus.HANDED_OFF,
            "max_text": MAX_TEXT_CHARS,
            "embedded": request.GET.get("embedded") == "1",
        },
        status=400 if error else 200,
    )


@require_http_methods(["GET", "POST"])
def chat_turns(request: HttpRequest, slug: str) -> JsonResponse:
    """``POST /chat/<slug>/turns`` with ``{"text", "choice"}`` → ``{"replies": [...]}``.

    ``GET /chat/<slug>/turns?after=<id>``: the advisers' turns written since turn ``after``
    (the widget polls while an adviser has the conversation) → ``{"turns": [{"id", "speaker",
    "text"}], "last": <newest turn id, at least the last returned one>, "handed_off": bool}``
    (the next poll passes ``after=last``). Without ``after`` only ``last`` and ``handed_off``
    are answered (where to start polling).
    """
    creditor = _creditor(slug)
    if request.method == "GET":
        return _agent_turns(request, creditor)
    try:
        data = json.loads(request.body or b"{}")
    except ValueError:
        data = None
    if not isinstance(data, dict):
        return JsonResponse({"error": gettext("The request must be a JSON object.")}, status=400)
    try:
        _, replies = _turn(
            request, creditor, text=data.get("text", ""), choice=data.get("choice", "")
        )
    except TurnRefused as refused:
        return JsonResponse({"error": str(refused)}, status=refused.status)
    return JsonResponse({"replies": [reply.as_json() for reply in replies]})


def _agent_turns(request: HttpRequest, creditor: Creditor) -> JsonResponse:
    """Agents' turns of the browser's active conversation after ``?after=`` (never creates a
    conversation)."""
    address = request.session.get(_session_key(creditor))
    conversation = (
        Conversation.objects.filter(
            creditor=creditor, channel="web", address=address, status__in=ACTIVE_STATUSES
        )
        .order_by("-last_turn_at", "-id")
        .only("id", "status")
        .first()
        if address
        else None
    )
    if conversation is None:
        return JsonResponse({"turns": [], "last": 0, "handed_off": False})
    # The newest turn is read first and the agents' turns after it, so a turn written in
    # between comes back in ``turns``: ``last`` must then be that turn's id, or the next poll
    # (``after=last``) would show it again. A full page (more may follow) ends at its last turn.
    last = (
        Turn.objects.filter(conversation=conversation)
        .order_by("-id")
        .values_list("id", flat=True)
        .first()
    ) or 0
    turns: list[dict[str, Any]] = []
    after = request.GET.get("after", "")
    if after.isdigit():
        turns = [
            {"id": turn_id, "speaker": speaker, "text": text}
            for turn_id, speaker, text in Turn.objects.filter(
                conversation=conversation, speaker=Speaker.AGENT, id__gt=int(after)
            )
            .order_by("id")
            .values_list("id", "speaker", "text")[:TRANSCRIPT_TURNS]
        ]
    if len(turns) == TRANSCRIPT_TURNS:
        last = turns[-1]["id"]
    elif turns:
        last = max(last, turns[-1]["id"])
    return JsonResponse(
        {
            "turns": turns,
            "last": last,
            "handed_off": conversation.status == ConversationStatus.HANDED_OFF,
        }
    )


@require_GET
def widget_js(request: HttpRequest, slug: str) -> HttpResponse:
    """``/chat/<slug>/widget.js``: one script tag adds the chat button to any page."""
    creditor = _creditor(slug)
    page = request.build_absolute_uri(reverse("chat_page", args=[slug])) + "?embedded=1"
    response = render(
        request,
        "conversations/widget.js.txt",
        {"creditor": creditor, "page_url": page},
        content_type="text/javascript; charset=utf-8",
    )
    response["Cache-Control"] = "public, max-age=300"
    return response


@memoize
def _asset(name: str) -> bytes:
    return (ASSETS / name).read_bytes()


@require_GET
def chat_asset(request: HttpRequest, name: str) -> HttpResponse:
    """The page's own script and style sheet (vendored; served here so the chat needs no
    static files server)."""
    if name not in ASSET_TYPES:
        raise Http404
    response = HttpResponse(_asset(name), content_type=f"{ASSET_TYPES[name]}; charset=utf-8")
    response["Cache-Control"] = "public, max-age=3600"
    return response
