"""Who is speaking: the identity check before anything about a debt is said.

Without a candidate customer (web chat, terminal, an unknown number) the assistant asks the
document number, then always the birth year. With a candidate (the sender's number is on file:
WhatsApp, SMS, voice) it asks the last 4 digits of the document, then the birth year: a number
on file is never proof. Either way a one-time code is the other path; it goes to the customer's
preferred contact point on file, and the assistant answers the same sentence whether or not the
document is registered (it never lists contact points).

An unknown document is treated exactly like a wrong answer, on every conversation (see
``verification.check_document``): the same questions, the same attempts left, the same lock,
announced only after an answer. Anyone who is not the holder is told, politely, that the
assistant can only speak with the holder; a message they leave reaches an adviser only when the
conversation's number is on file.

Identity answers (document, digits, year, code) never reach the classifier, the turns stored,
the timeline or a transcript in clear: see ``classifier_text`` and ``turn_text``.
"""

import datetime as dt
import re
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from recaudo.conversations import verification
from recaudo.conversations.assistant import engine
from recaudo.conversations.assistant.engine import Context
from recaudo.conversations.models import Conversation, ConversationChannel
from recaudo.conversations.replies import Option
from recaudo.conversations.verification import Outcome, VerificationResult
from recaudo.customers.models import Customer
from recaudo.staff.actions import open_task
from recaudo.staff.models import TaskKind

NAME = "identify"
INTENTS: tuple[str, ...] = ()
NEEDS_VERIFICATION = False
NEEDS_ACCOUNT = False

# Only what a third party says about themselves ("no soy capaz de pagar", "esa deuda no es mía,
# se equivocaron" are the holder speaking).
RELATIVE = (
    r"espos[oa]|herman[oa]|hij[oa]|mam[aá]|pap[aá]|madre|padre|amig[oa]|vecin[oa]|novi[oa]|"
    r"pareja|t[ií][oa]|prim[oa]|abuel[oa]|niet[oa]|sobrin[oa]|cu[ñn]ad[oa]|suegr[oa]|"
    r"compañer[oa]|jef[ea]|emplead[oa]|secretari[oa]"
)
NOT_HOLDER = re.compile(
    r"\bno\s+soy\s+(?:el|la)\s+(?:titular|due[ñn][oa]|cliente|persona)\b"
    rf"|\bsoy\s+(?:su|el|la)\s+(?:{RELATIVE})\b"
    r"|\bn[uú]mero\s+equivocado\b"
    r"|\bequivocad[oa]s?\s+de\s+n[uú]mero\b"
    r"|\bse\s+equivocaron\s+de\s+n[uú]mero\b"
    r"|\bno\s+(?:es|era)\s+(?:mi|su)\s+n[uú]mero\b"
    r"|\bno\s+conozco\s+a\s+(?:esa|esta|la|ese|este|el|dicha)\s+(?:persona|señor|señora|se[nñ]or|se[nñ]ora)\b",
    re.I,
)
# The classifier confidently hearing the holder ("no soy capaz de pagar este mes"). Not
# ``no_reconozco_deuda``: the classifier gives it to "no soy el titular" and "número
# equivocado" too (0.8-0.9), and the phrases above are only a third party's.
HOLDER_INTENTS = frozenset({"no_puedo_pagar"})
YEAR = re.compile(r"\b(19\d{2}|20\d{2})\b")
CODE = re.compile(r"\b(\d{6})\b")
# Steps whose answer is an identity detail.
ANSWER_STEPS = frozenset({"document", "last_digits", "birth_year", "code", "code_destination"})
# A run of 3 or more digits (with the separators people type): documents, years, codes.
DIGITS = re.compile(r"\d(?:[\d.\-\s]*\d){2,}")
REDACTED = "••••"
CODE_REQUEST_INTERVAL = verification.CODE_INTERVAL
CODE_REQUEST_WINDOW = verification.CODE_WINDOW


# --- what is recorded ---------------------------------------------------------------------------


def redact(text: str) -> str:
    """The text with every run of 3 or more digits replaced by ``••••``."""
    return DIGITS.sub(REDACTED, text or "")


def is_identity_answer(conversation: Conversation) -> bool:
    """Whether the next customer turn answers an identity question (document, last digits,
    birth year, code)."""
    state = conversation.state if isinstance(conversation.state, dict) else {}
    return state.get("flow") == NAME and str(state.get("step") or "") in ANSWER_STEPS


def classifier_text(conversation: Conversation, text: str) -> str:
    """What the classifier (or a language model) may read of this turn: an identity answer
    without its digits, or nothing when only digits were written."""
    if not is_identity_answer(conversation):
        return text
    redacted = redact(text)
    return redacted if re.search(r"[^\W\d_]{2,}", redacted.replace(REDACTED, "")) else ""


def turn_text(conversation: Conversation, text: str) -> str:
    """What is stored of a customer's turn (Turn.text, the timeline, transcripts): before the
    identity is confirmed, and while answering an identity question, without the digits. A
    message left for an adviser is kept as written."""
    state = conversation.state if isinstance(conversation.state, dict) else {}
    if state.get("step") == "message" and not is_identity_answer(conversation):
        return text
    if conversation.verified_at is None or is_identity_answer(conversation):
        return redact(text)
    return text


def recorded_entities(entities: dict[str, Any]) -> dict[str, Any]:
    """The entities recorded on a turn: never the document number."""
    return {name: value for name, value in entities.items() if name != "document"}


def forget_unverified_candidate(conversation: Conversation) -> None:
    """On the web chat and the terminal a customer is only known by verifying: once the
    verification is gone (expired, a new conversation after goodbye) the next person at the
    browser must not act as them (opt out, leave requests). Phone channels keep the candidate
    their number gave."""
    if conversation.verified_at is None and conversation.channel in {
        ConversationChannel.WEB,
        ConversationChannel.TERMINAL,
    }:
        conversation.customer = None
        conversation.account = None


def is_third_party(context: Context) -> bool:
    """Someone saying they are not the holder ("no soy el titular", "soy su hermano", "número
    equivocado"), unless the classifier confidently hears the holder unable to pay."""
    if context.choice == "not_holder":
        return True
    if not context.text or not NOT_HOLDER.search(context.text):
        return False
    return not (context.intent in HOLDER_INTENTS and context.confident)


# --- the flow -------------------------------------------------------------------------------


def _state(context: Context) -> dict:
    data = context.state.get("identify")
    if not isinstance(data, dict):
        data = context.state["identify"] = {}
    return data


def _candidate(context: Context) -> Customer | None:
    customer_id = _state(context).get("customer_id")
    if customer_id:
        return Customer.objects.filter(pk=customer_id, creditor=context.creditor).first()
    return None


def _extra_options(context: Context) -> list[Option]:
    return [
        Option("send_code", _("Send me a code")),
        Option("not_holder", _("I am not the holder")),
    ]


def _ask_document(context: Context) -> None:
    context.ask(
        _(
            "To protect your information, I first need to confirm your identity. "
            "What is your identity document number?"
        ),
        [Option("not_holder", _("I am not the holder"))],
        step="document",
    )


def start(context: Context) -> None:
    data = _state(context)
    requests = data.get("code_requests", [])
    data.clear()
    if requests:
        data["code_requests"] = requests
    customer = context.customer
    if customer is not None:
        # The sender's number is on file: a candidate, never proof. A lock is only announced
        # after an answer, as for anyone else.
        data["customer_id"] = customer.pk
        data["mode"] = "last_digits"
        if context.channel == ConversationChannel.VOICE:
            question = _(
                "Before we go on I need to confirm I am speaking with the account holder. "
                "Please say or key in the last 4 digits of your identity document."
            )
        else:
            question = _(
                "Before we go on I need to confirm I am speaking with the account holder. "
                "Please write the last 4 digits of your identity document."
            )
        context.ask(question, _extra_options(context), step="last_digits")
        return
    _ask_document(context)
    # "Mi cédula es 1045678912, ¿cuánto debo?": the document came with the request.
    pending = context.state.get("pending")
    entities = (pending.get("data") or {}).get("entities") if isinstance(pending, dict) else None
    if isinstance(pending, dict) and isinstance(entities, dict) and entities.get("document"):
        document = str(entities.pop("document"))
        context.replies.pop()
        _use_document(context, document)
        # Not kept in the conversation's state.
        saved: list[Any] = [pending.get("data"), context.state.get("data")]
        for data in saved:
            if isinstance(data, dict):
                found = data.get("entities")
                if isinstance(found, dict):
                    found.pop("document", None)
                if isinstance(data.get("text"), str):
                    data["text"] = _without(data["text"], document)


def _without(text: str, document: str) -> str:
    """``text`` without ``document``, however it was written ("1.045.678.912")."""
    characters = [re.escape(character) for character in document if character.isalnum()]
    if not characters:
        return text
    return re.sub(r"[.\- ]?".join(characters), REDACTED, text, flags=re.I)


def _ask_again(context: Context) -> None:
    if _state(context).get("mode") == "document":
        context.ask(
            _("Please write your identity document number again."),
            _extra_options(context),
            step="document",
        )
    else:
        context.ask(
            _("Please write the last 4 digits of your identity document again."),
            _extra_options(context),
            step="last_digits",
        )


def ask_again(context: Context, *, step: str) -> None:
    """Repeat the pending identity question (the customer asked for something else first)."""
    context.state["flow"] = NAME
    if step == "birth_year":
        _ask_birth_year(context)
    elif step in {"code", "code_destination"}:
        _ask_code(context)
    elif step == "document":
        _ask_document(context)
    else:
        _ask_again(context)


def resume(context: Context) -> bool:
    if is_third_party(context):
        third_party(context)
        return True
    if context.choice == "leave_message":
        _ask_message(context)
        return True
    if context.step == "message":
        _leave_message(context)
        return True
    if context.choice == "send_code":
        _offer_code(context)
        return True
    handler = {
        "document": _document,
        "last_digits": _last_digits,
        "birth_year": _birth_year,
        "code_destination": _code,
        "code": _code,
    }.get(context.step)
    return handler(context) if handler is not None else False


def _document(context: Context) -> bool:
    entity = getattr(context.entities, "document", None)
    match = re.search(r"[0-9][0-9.\- ]{3,}[0-9]", context.text)
    document = entity or (re.sub(r"\D", "", match.group()) if match else "")
    if not document:
        if context.intent and context.confident and context.intent not in {"afirmar", "negar"}:
            return False
        context.ask(
            _("Please write only the numbers of your identity document."),
            [Option("not_holder", _("I am not the holder"))],
            step="document",
        )
        return True
    _use_document(context, document)
    return True


def _use_document(context: Context, document: str) -> None:
    """Whether or not the document is a customer's (or locked), the next question is the same."""
    data = _state(context)
    customer = verification.find_customer_by_document(context.creditor, document)
    data.update(
        {
            "mode": "document",
            # The document itself is not kept: its key counts an unknown one's failures.
            "key": verification.document_key(context.creditor, document),
            "customer_id": customer.pk if customer else None,
        }
    )
    data.pop("digits", None)
    if data.pop("wants_code", False):
        _offer_code(context)
        return
    _ask_birth_year(context)


def _last_digits(context: Context) -> bool:
    numbers = re.findall(r"\d+", context.text)
    digits = "".join(numbers[:1])
    if len(digits) < 4:
        if context.intent and context.confident and context.intent not in {"afirmar", "negar"}:
            return False
        context.ask(
            _("I need at least the last 4 digits of your document, in numbers."),
            _extra_options(context),
            step="last_digits",
        )
        return True
    data = _state(context)
    data.update({"mode": "last_digits", "digits": digits})
    # "4567 y nací en 1985": both at once.
    year = next((number for number in numbers[1:] if YEAR.fullmatch(number)), None)
    if year:
        _check(context, year)
        return True
    _ask_birth_year(context)
    return True


def _ask_birth_year(context: Context) -> None:
    context.ask(
        _("Thank you. Now, what is your year of birth? (4 digits, e.g. 1985)"),
        _extra_options(context),
        step="birth_year",
    )


def _birth_year(context: Context) -> bool:
    match = YEAR.search(context.text)
    if match is None:
        if context.intent and context.confident and context.intent not in {"afirmar", "negar"}:
            return False
        context.ask(
            _("Please write your year of birth with 4 digits, e.g. 1985."),
            _extra_options(context),
            step="birth_year",
        )
        return True
    _check(context, match.group())
    return True


def _check(context: Context, year: str) -> None:
    data = _state(context)
    customer = _candidate(context)
    if customer is None:
        result = _fail_unknown(context)
    elif data.get("mode") == "document":
        # The whole document matched this customer when it was given.
        result = verification.check_identity(
            customer, document_digits=customer.document_number, birth_year=year, now=context.now
        )
    else:
        result = verification.check_identity(
            customer, document_digits=str(data.get("digits", "")), birth_year=year, now=context.now
        )
    _outcome(context, customer, result)


def _fail_unknown(context: Context) -> VerificationResult:
    key = str(_state(context).get("key") or "")
    if not key:
        # Nothing to count against (cannot happen in the flow): the same wrong answer.
        return VerificationResult(Outcome.WRONG, verification.MAX_FAILURES - 1)
    return verification.fail_unknown_key(context.creditor, key=key, now=context.now)


def _outcome(context: Context, customer: Customer | None, result: VerificationResult) -> None:
    if result.outcome == Outcome.VERIFIED and customer is not None:
        verified(context, customer)
    elif result.outcome == Outcome.LOCKED:
        _say_locked(context, result)
    else:
        context.say(
            ngettext(
                "The details do not match our records. You have %(count)s attempt left.",
                "The details do not match our records. You have %(count)s attempts left.",
                result.attempts_left,
            )
            % {"count": result.attempts_left}
            + " "
            + _("You can also ask for a one-time code.")
        )
        _ask_again(context)


def _recent_code_requests(context: Context) -> list[dt.datetime]:
    data = _state(context)
    requests = [
        moment
        for moment in (
            dt.datetime.fromisoformat(value)
            for value in data.get("code_requests", [])
            if isinstance(value, str)
        )
        if moment > context.now - CODE_REQUEST_WINDOW
    ]
    data["code_requests"] = [moment.isoformat() for moment in requests]
    return requests


def _offer_code(context: Context) -> None:
    """Send a code to the candidate's preferred contact point, with the same answer whether or
    not there is a candidate, a destination, or the policy allows it now. Requests are limited
    per conversation (the same for everyone) and per customer (``verification``)."""
    data = _state(context)
    if not data.get("mode"):
        data["wants_code"] = True
        context.ask(
            _("To send you a code, first write your identity document number."),
            [Option("not_holder", _("I am not the holder"))],
            step="document",
        )
        return
    requests = _recent_code_requests(context)
    if requests and requests[-1] > context.now - CODE_REQUEST_INTERVAL:
        context.say(
            _(
                "A code was already sent a moment ago; it is valid until %(time)s. Please "
                "write it here, or wait a minute to ask for another one."
            )
            % {"time": context.clock(requests[-1] + verification.CODE_VALIDITY)}
        )
        _ask_code(context, sent=False)
        return
    if len(requests) >= verification.CODES_PER_WINDOW:
        context.say(
            _(
                "You have asked for several codes. You can ask for another one %(time)s, or "
                "confirm your identity with your document and year of birth."
            )
            % {"time": context.moment(requests[0] + CODE_REQUEST_WINDOW)}
        )
        _ask_again(context)
        return
    customer = _candidate(context)
    if customer is not None:
        # Refusals (limits, the policy, no destination) get the same answer: nothing said
        # about what is on file.
        verification.send_code_to_preferred(customer, now=context.now)
    data["code_requests"] = [moment.isoformat() for moment in [*requests, context.now]]
    _ask_code(context, sent=True)


def _ask_code(context: Context, *, sent: bool = False) -> None:
    if sent:
        if _state(context).get("mode") == "document":
            text = _(
                "If the document is registered, we sent a 6-digit code to a mobile phone or "
                "e-mail on file. Write it here; it expires in 10 minutes."
            )
        else:
            text = _(
                "If we have a mobile phone or e-mail on file where we may send it, we sent a "
                "6-digit code there. Write it here; it expires in 10 minutes."
            )
    else:
        text = _("Please write the 6-digit code we sent you.")
    context.ask(
        text,
        [Option("send_code", _("Send it again")), Option("not_holder", _("I am not the holder"))],
        step="code",
    )


def _code(context: Context) -> bool:
    match = CODE.search(context.text)
    if match is None:
        if context.intent and context.confident and context.intent not in {"afirmar", "negar"}:
            return False
        _ask_code(context)
        return True
    customer = _candidate(context)
    if customer is None:
        result = _fail_unknown(context)
    else:
        # No code pending counts like a wrong one: the answer never tells whether one was sent.
        result = verification.check_code(
            customer, code=match.group(1), now=context.now, missing_is_wrong=True
        )
    if result.outcome == Outcome.WRONG:
        context.ask(
            ngettext(
                "That code is not right or has expired. You have %(count)s attempt left.",
                "That code is not right or has expired. You have %(count)s attempts left.",
                result.attempts_left,
            )
            % {"count": result.attempts_left},
            [
                Option("send_code", _("Send it again")),
                Option("not_holder", _("I am not the holder")),
            ],
            step="code",
        )
    else:
        _outcome(context, customer, result)
    return True


def verified(context: Context, customer: Customer) -> None:
    conversation = context.conversation
    conversation.customer = customer
    conversation.verified_at = context.now
    # From the next turn on, the customer's own language (when the site offers it).
    if customer.language and customer.language in dict(settings.LANGUAGES):
        conversation.language = customer.language
    accounts = context.open_accounts()
    conversation.account = accounts[0] if len(accounts) == 1 else None
    context.state.pop("identify", None)
    context.state.update({"flow": "", "step": "", "data": {}})
    context.say(
        _("Thank you, %(name)s. Your identity is confirmed.")
        % {"name": customer.first_name or customer.full_name}
    )
    if not engine.resume_pending(context):
        from recaudo.conversations.assistant.flows import menu

        menu.show(context)


def _say_locked(context: Context, result: VerificationResult) -> None:
    if result.locked_until is not None:
        text = _(
            "For your security, identity checks are locked. You can try again %(time)s. "
            "I can only talk about an account with its holder."
        ) % {"time": context.moment(result.locked_until)}
    else:
        text = _(
            "I could not confirm your identity, and I can only talk about an account with its "
            "holder. Please try again later."
        )
    context.state["pending"] = None
    context.state["flow"] = NAME
    context.ask(
        text,
        [Option("leave_message", _("Leave a message")), Option("menu", _("Menu"))],
        step="locked",
    )


def third_party(context: Context) -> None:
    context.state["pending"] = None
    context.state["flow"] = NAME
    context.ask(
        _(
            "Thank you for letting me know. I can only talk about an account with its holder, "
            "so I cannot share any information. If you wish, you can leave a message for an "
            "adviser."
        ),
        [Option("leave_message", _("Leave a message")), Option("menu", _("Menu"))],
        step="locked",
    )


def _ask_message(context: Context) -> None:
    if context.state.get("third_party_message"):
        context.state.pop("identify", None)
        context.finish(more=False)
        context.say(_("Your message is already recorded. Thank you."))
        return
    context.ask(_("Please write your message for the adviser."), step="message")


def _number_customer(context: Context) -> Customer | None:
    """The customer whose number on file this conversation came from (WhatsApp, SMS, voice);
    never a document someone typed."""
    conversation = context.conversation
    if conversation.contact_point_id is None or conversation.customer_id is None:
        return None
    return conversation.customer


def _leave_message(context: Context) -> None:
    text = context.text
    if not text:
        _ask_message(context)
        return
    conversation = context.conversation
    customer = _number_customer(context)
    context.state["third_party_message"] = True
    context.state.pop("identify", None)
    context.finish(more=False)
    if customer is None:
        # Anyone can type a document: the message stays on this conversation (its turn), and
        # no adviser's task is filed against a customer.
        context.say(
            _(
                "Thank you, your message has been recorded. If you need an answer, please "
                "contact %(creditor)s through its official channels. Have a good day."
            )
            % {"creditor": context.creditor.name}
        )
        return
    open_task(
        customer,
        kind=TaskKind.HANDOFF,
        reason=_(
            "Message left in the assistant by someone whose identity was not verified "
            "(%(channel)s %(address)s): %(text)s"
        )
        % {
            "channel": conversation.get_channel_display(),
            "address": conversation.address,
            "text": text[:1000],
        },
        conversation=conversation,
        dedupe_key=f"conversation:{conversation.pk}:third_party_message",
    )
    context.say(_("Thank you, your message has been recorded. Have a good day."))
