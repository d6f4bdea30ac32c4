"""Twilio Programmable Voice: a call that speaks the message in Spanish and offers a choice.

Outbound: ``POST /2010-04-01/Accounts/{AccountSid}/Calls.json`` with ``To``, ``From``,
``Twiml`` and ``StatusCallback``. The TwiML says the message body, then gathers one key or a
word: 1 or "pagar" asks for a payment link by SMS, 2 or "asesor" asks for an adviser.

Webhooks (``/hooks/twilio_voice/``), signed with ``X-Twilio-Signature``:

- the gather (``?message=<id>``, with ``Digits`` or ``SpeechResult``) becomes an InboundMessage
  on the voice channel whose payload is ``{"digits", "speech", "confidence", "choice",
  "call_sid", "message_id", "attempt"}``, ``choice`` being ``"payment_link"``, ``"adviser"``
  or None; the answer is TwiML that confirms in Spanish and hangs up (or asks once more);
- a call a customer makes to our number (``Direction=inbound``, the number's Voice URL is
  ``/hooks/twilio_voice/``) talks to the self-service assistant: the first request and each
  of its gathers (``?turn=<n>``, speech or keys) become an InboundMessage whose payload has
  ``"assistant": True`` and ``next_gather_url``; the batch asks the webhook to answer with
  the assistant's TwiML (``WebhookBatch.assistant_answers``);
- the call status callback (``CallStatus``) becomes a StatusUpdate: ``completed`` (the customer
  answered) is ``delivered``; ``busy``, ``no-answer``, ``failed`` and ``canceled`` are
  ``failed``, not permanent, with ``error`` starting ``"not_connected: "``.
"""

from typing import Any, ClassVar
from urllib.parse import parse_qsl, urlencode, urlsplit

from django.utils import translation
from django.utils.translation import gettext
from twilio.twiml.voice_response import VoiceResponse

from recaudo.channels import http_errors
from recaudo.channels.base import (
    InboundMessage,
    OutboundMessage,
    Provider,
    ProviderError,
    SendResult,
    StatusUpdate,
    WebhookBatch,
    WebhookRequest,
)
from recaudo.channels.optout import normalise
from recaudo.channels.providers.twilio import common

KIND = "twilio_voice"
LANGUAGE = "es-MX"  # Twilio's speech recognition and text-to-speech language
SPOKEN_LANGUAGE = "es"  # the catalogue the spoken sentences are translated from
VOICE = "Polly.Mia"  # Amazon Polly's Mexican Spanish voice, available on every Twilio account
MAX_TWIML_CHARS = 4000  # Twilio refuses a longer Twiml parameter
MAX_ATTEMPTS = 2  # the menu is offered again once when the answer was not understood

CHOICE_PAYMENT_LINK = "payment_link"
CHOICE_ADVISER = "adviser"
DIGIT_CHOICES = {"1": CHOICE_PAYMENT_LINK, "2": CHOICE_ADVISER}
# Words recognised in the customer's speech (accents and case removed), for each choice.
SPOKEN_CHOICES: dict[str, tuple[str, ...]] = {
    CHOICE_PAYMENT_LINK: ("pagar", "pago", "enlace", "link", "uno"),
    CHOICE_ADVISER: ("asesor", "asesora", "agente", "persona", "operador", "dos"),
}
SPEECH_HINTS = "pagar, pago, enlace, asesor, agente, uno, dos"

CONNECTED = "completed"
# A call that rang and nobody answered was still placed: Reg F counts it as an attempt, so the
# message stays "sent". Busy lines and failed or cancelled calls never connected.
UNANSWERED = "no-answer"
NOT_CONNECTED = ("busy", UNANSWERED, "failed", "canceled")


def menu_text() -> str:
    return gettext(
        "To receive a payment link by SMS, press 1 or say 'pay'. "
        "To speak with an adviser, press 2 or say 'adviser'."
    )


def spoken(choice: str | None, *, final: bool) -> str:
    """What the call says after the customer answered (or did not)."""
    if choice == CHOICE_PAYMENT_LINK:
        return gettext("We are sending you the payment link by SMS. Thank you, goodbye.")
    if choice == CHOICE_ADVISER:
        return gettext("An adviser will contact you soon. Thank you, goodbye.")
    if final:
        return gettext("Sorry, we did not understand. We will write to you. Goodbye.")
    return gettext("Sorry, we did not understand.")


def no_answer_text() -> str:
    return gettext("We did not receive an answer. Thank you for your time, goodbye.")


def gather_url(message_id: int | str, attempt: int = 1) -> str:
    query: dict[str, str] = {"message": str(message_id)}
    if attempt > 1:
        query["attempt"] = str(attempt)
    return f"{common.public_url(KIND)}?{urlencode(query)}"


def _say(response: VoiceResponse, text: str, language: str, voice: str) -> None:
    response.say(text, language=language, voice=voice)


def _menu(
    response: VoiceResponse, message_id: int | str, attempt: int, language: str, voice: str
) -> None:
    gather = response.gather(
        input="dtmf speech",
        language=language,
        num_digits=1,
        action=gather_url(message_id, attempt),
        method="POST",
        timeout=6,
        speech_timeout="auto",
        hints=SPEECH_HINTS,
    )
    gather.say(menu_text(), language=language, voice=voice)
    _say(response, no_answer_text(), language, voice)
    response.hangup()


def call_twiml(message: OutboundMessage) -> str:
    """The TwiML of the outbound call: the message, then the menu."""
    response = VoiceResponse()
    with translation.override(SPOKEN_LANGUAGE):
        _say(response, message.body, LANGUAGE, VOICE)
        _menu(response, message.id, 1, LANGUAGE, VOICE)
    return str(response)


def choice_for(digits: str, speech: str) -> str | None:
    """``payment_link``, ``adviser`` or None from a key press or the words said."""
    if digits:
        return DIGIT_CHOICES.get(digits.strip()[:1])
    words = set(normalise(speech).split())
    matched = [choice for choice, keys in SPOKEN_CHOICES.items() if words & set(keys)]
    return matched[0] if len(matched) == 1 else None


def answer_twiml(choice: str | None, message_id: str, attempt: int) -> str:
    """The TwiML answering a gather: confirm and hang up, or offer the menu once more."""
    response = VoiceResponse()
    with translation.override(SPOKEN_LANGUAGE):
        final = attempt >= MAX_ATTEMPTS or not message_id
        _say(response, spoken(choice, final=final), LANGUAGE, VOICE)
        if choice is None and not final:
            _menu(response, message_id, attempt + 1, LANGUAGE, VOICE)
        else:
            response.hangup()
    return str(response)


class TwilioVoiceProvider(Provider):
    kind = KIND
    channels = ("voice",)
    required_settings: ClassVar[tuple[str, ...]] = (
        "TWILIO_ACCOUNT_SID",
        "TWILIO_AUTH_TOKEN",
        "TWILIO_VOICE_FROM",
    )

    @classmethod
    def missing_settings(cls, channel: str | None = None) -> list[str]:
        return common.missing("account_sid", "auth_token", "voice_from")

    def request_fields(self, message: OutboundMessage) -> dict[str, Any]:
        """The keyword arguments of ``calls.create`` for ``message``."""
        sender = common.twilio_settings()["voice_from"]
        if not sender:
            raise ProviderError(
                gettext("Twilio Voice has no caller number: set TWILIO_VOICE_FROM."),
                permanent=False,
                code=http_errors.CODE_CONFIGURATION,
            )
        twiml = call_twiml(message)
        if len(twiml) > MAX_TWIML_CHARS:
            raise ProviderError(
                gettext("The message is too long to be spoken in a call (%(count)d characters).")
                % {"count": len(message.body)},
                permanent=True,
                code="rejected",
            )
        return {
            "to": message.to,
            "from_": sender,
            "twiml": twiml,
            "status_callback": common.public_url(KIND),
        }

    def send(self, message: OutboundMessage) -> SendResult:
        fields = self.request_fields(message)
        common.require_credentials(provider="Twilio Voice")
        with common.twilio_errors(provider="Twilio Voice"):
            call = common.client().calls.create(**fields)
        return SendResult(provider_message_id=str(call.sid), status="sent")

    def verify(self, request: WebhookRequest) -> bool:
        return common.verify_signature(request, KIND)

    def parse(self, request: WebhookRequest) -> WebhookBatch:
        fields = common.form(request)
        query = _query(request)
        if is_assistant_call(fields, query):
            return assistant_batch(fields, query)
        if "Digits" in fields or "SpeechResult" in fields or "message" in query:
            return gather_batch(fields, query)
        update = call_status(fields)
        return WebhookBatch(statuses=(update,) if update else ())


def _query(request: WebhookRequest) -> dict[str, str]:
    from_url = dict(parse_qsl(urlsplit(request.url).query))
    return {**from_url, **request.query}


def _attempt(query: dict[str, str]) -> int:
    try:
        return max(1, int(query.get("attempt", "1")))
    except ValueError:
        return 1


def gather_batch(fields: dict[str, str], query: dict[str, str]) -> WebhookBatch:
    digits = fields.get("Digits", "").strip()
    speech = fields.get("SpeechResult", "").strip()
    choice = choice_for(digits, speech)
    attempt = _attempt(query)
    message_id = query.get("message", "")
    call_sid = fields.get("CallSid", "")
    outbound = fields.get("Direction", "outbound-api").startswith("outbound")
    customer, ours = (fields.get("To", ""), fields.get("From", ""))
    if not outbound:
        customer, ours = ours, customer
    inbound = InboundMessage(
        # Not the CallSid alone: that is the outbound call's own id.
        provider_message_id=f"{call_sid}:gather:{attempt}",
        channel="voice",
        from_address=customer,
        to_address=ours,
        body=speech or digits,
        received_at=common.received_at(fields),
        payload={
            "digits": digits or None,
            "speech": speech or None,
            "confidence": fields.get("Confidence") or None,
            "choice": choice,
            "call_sid": call_sid,
            "message_id": int(message_id) if message_id.isdigit() else None,
            "attempt": attempt,
        },
    )
    return WebhookBatch(
        inbound=(inbound,),
        response_body=answer_twiml(choice, message_id, attempt),
        response_content_type="text/xml",
    )


# The Voice URL request of a call in progress (not a status callback at its end).
LIVE_CALL_STATUSES = ("ringing", "in-progress", "queued")


def assistant_gather_url(turn: int) -> str:
    return f"{common.public_url(KIND)}?{urlencode({'turn': str(turn)})}"


def is_assistant_call(fields: dict[str, str], query: dict[str, str]) -> bool:
    """A customer called us (not the menu of a call we made): the assistant answers."""
    if "message" in query:
        return False
    if "turn" in query:
        return True
    inbound = fields.get("Direction", "") == "inbound"
    return inbound and fields.get("CallStatus", "").lower() in LIVE_CALL_STATUSES


def assistant_batch(fields: dict[str, str], query: dict[str, str]) -> WebhookBatch:
    digits = fields.get("Digits", "").strip()
    speech = fields.get("SpeechResult", "").strip()
    call_sid = fields.get("CallSid", "")
    try:
        turn = max(0, int(query.get("turn", "0")))
    except ValueError:
        turn = 0
    inbound = InboundMessage(
        provider_message_id=f"{call_sid}:turn:{turn}",
        channel="voice",
        from_address=fields.get("From", ""),
        to_address=fields.get("To", ""),
        body=speech or digits,
        received_at=common.received_at(fields),
        payload={
            "assistant": True,
            "digits": digits or None,
            "speech": speech or None,
            "confidence": fields.get("Confidence") or None,
            "call_sid": call_sid,
            "turn": turn,
            "next_gather_url": assistant_gather_url(turn + 1),
        },
    )
    return WebhookBatch(
        inbound=(inbound,), response_content_type="text/xml", assistant_answers=True
    )


def call_status(fields: dict[str, str]) -> StatusUpdate | None:
    call_status = fields.get("CallStatus", "").lower()
    sid = fields.get("CallSid", "")
    if not sid or (call_status != CONNECTED and call_status not in NOT_CONNECTED):
        return None
    at = common.received_at(fields)
    if call_status == CONNECTED:
        return StatusUpdate(provider_message_id=sid, status="delivered", at=at, connected=True)
    if call_status == UNANSWERED:
        return StatusUpdate(
            provider_message_id=sid, status="sent", at=at, error=UNANSWERED, connected=True
        )
    permanent, error = common.status_error(fields.get("ErrorCode", ""), call_status)
    return StatusUpdate(
        provider_message_id=sid,
        status="failed",
        at=at,
        error=f"not_connected: {error}",
        permanent=permanent,
        connected=False,
    )
