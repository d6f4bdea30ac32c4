"""The assistant's engine: from what the customer said (or pressed) and the conversation's state
to the replies, one turn at a time.

The state lives in ``Conversation.state`` (JSON), so a conversation survives restarts:

``flow``     the active flow (a module name in ``flows``), or empty
``step``     what the active flow is waiting for, or empty
``data``     what the flow has gathered (and ``entities``: what the first message already said)
``pending``  the flow to start once the customer's identity is verified
``identify`` the identification in progress (see ``flows.identify``)
``options``  the options last offered, so "2" means the second one

Flows never write models other than Conversation, Turn and Verification: they call actions
and queries. Nothing about a debt is said before ``conversation.verified_at``.
"""

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from types import ModuleType
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date
from django.utils.translation import gettext as _

from recaudo.conversations import queries
from recaudo.conversations.models import Conversation
from recaudo.conversations.replies import Option, Reply
from recaudo.customers.models import Customer
from recaudo.debts.models import Account, Creditor
from recaudo.strategies.templating import babel_locale, date_text, money_text

# Intents that leave whatever flow is waiting for an answer.
INTERRUPTS = frozenset({"hablar_con_asesor", "no_contactar", "despedida", "no_reconozco_deuda"})
# Never offered when clarifying: they only make sense as answers.
NOT_CLARIFIABLE = frozenset({"afirmar", "negar", "fuera_de_alcance", "saludo"})
# Identity questions whose progress a new request does not reset.
IDENTIFY_QUESTIONS = frozenset(
    {"document", "last_digits", "birth_year", "code_destination", "code"}
)
# Account titles keep their last digits within a WhatsApp button (other titles are cut, where
# a channel needs it, by ``render``).
TITLE_LENGTH = 20
# A verified conversation asks again after this long without a turn.
VERIFIED_IDLE = dt.timedelta(minutes=30)
YES_WORDS = re.compile(
    r"^\s*(s[ií]|si+|claro|ok|okay|dale|correcto|de acuerdo|confirmo|listo)\b", re.I
)
NO_WORDS = re.compile(r"^\s*(no|nop|nel|negativo|cancelar)\b", re.I)


@dataclass
class Understood:
    """What the customer's turn was understood as (recorded on the Turn)."""

    intent: str = ""
    confidence: float | None = None
    entities: dict[str, str] = field(default_factory=dict)


@dataclass
class Context:
    """One turn being answered: what was said, the conversation, and the replies so far."""

    conversation: Conversation
    text: str
    choice: str
    now: dt.datetime
    intent: str = ""
    confidence: float = 0.0
    entities: Any = None  # nlu.Entities
    ranking: tuple[tuple[str, float], ...] = ()
    replies: list[Reply] = field(default_factory=list)
    # The customer's open accounts, read at most once per turn (by customer id).
    accounts_read: dict[int, list[Account]] = field(default_factory=dict, repr=False)

    # --- the conversation ---------------------------------------------------------------

    @property
    def state(self) -> dict[str, Any]:
        return self.conversation.state

    @property
    def data(self) -> dict[str, Any]:
        data = self.state.get("data")
        if not isinstance(data, dict):
            data = self.state["data"] = {}
        return data

    @property
    def step(self) -> str:
        return str(self.state.get("step") or "")

    @property
    def flow(self) -> str:
        return str(self.state.get("flow") or "")

    @property
    def creditor(self) -> Creditor:
        return self.conversation.creditor

    @property
    def customer(self) -> Customer | None:
        return self.conversation.customer

    @property
    def verified(self) -> bool:
        return self.conversation.verified_at is not None and self.customer is not None

    @property
    def account(self) -> Account | None:
        return self.conversation.account if self.verified else None

    def open_accounts(self) -> list[Account]:
        """The customer's accounts still in collection (``queries.open_accounts``), read once
        in this turn: the turn runs in one transaction."""
        customer = self.customer
        if customer is None:
            return []
        if customer.pk not in self.accounts_read:
            self.accounts_read[customer.pk] = queries.open_accounts(customer)
        return self.accounts_read[customer.pk]

    @property
    def channel(self) -> str:
        return self.conversation.channel

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.creditor.timezone)

    @property
    def today(self) -> dt.date:
        return self.now.astimezone(self.zone).date()

    @property
    def locale(self) -> str:
        country = (self.customer.country if self.customer else "") or self.creditor.country
        return babel_locale(self.conversation.language, country)

    @property
    def confident(self) -> bool:
        from recaudo.conversations.nlu import CONFIDENCE_THRESHOLD

        return bool(self.choice) or self.confidence >= CONFIDENCE_THRESHOLD

    # --- saying things ------------------------------------------------------------------

    def say(self, text: object, options: Iterable[Option] = ()) -> None:
        self.replies.append(Reply(str(text), tuple(options)))

    def ask(self, text: object, options: Iterable[Option] = (), *, step: str) -> None:
        self.say(text, options)
        self.state["step"] = step

    def finish(self, *, more: bool = True) -> None:
        """The active flow is done; offer the menu again unless ``more`` is False."""
        self.state["flow"] = ""
        self.state["step"] = ""
        self.state["data"] = {}
        if more:
            from recaudo.conversations.assistant.flows import menu

            self.say(_("Is there anything else I can help you with?"), menu.options(self))

    def money(self, amount: Decimal, currency: str = "") -> str:
        """An amount in ``currency``, else the account's (else the creditor's) currency."""
        account = self.account
        default = account.currency if account is not None else self.creditor.currency
        return money_text(amount, currency or default, self.locale)

    def date(self, day: dt.date | None) -> str:
        return date_text(day, self.locale)

    def clock(self, moment: dt.datetime) -> str:
        return moment.astimezone(self.zone).strftime("%H:%M")

    def moment(self, moment: dt.datetime) -> str:
        """When, in words: "hoy a partir de las 10:30", "el lunes 16 de marzo a partir de las
        08:00"."""
        local = moment.astimezone(self.zone)
        if local.date() == self.today:
            return _("today from %(time)s") % {"time": self.clock(local)}
        return _("on %(date)s from %(time)s") % {
            "date": format_date(local.date(), "EEEE d 'de' MMMM", locale=self.locale),
            "time": self.clock(local),
        }

    # --- reading answers ----------------------------------------------------------------

    def first(self, name: str) -> Any:
        """An entity of this message, else of the message that started the flow."""
        value = getattr(self.entities, name, None) if self.entities is not None else None
        if value is not None:
            return value
        saved = (self.data.get("entities") or {}).get(name)
        if saved is None:
            return None
        if name == "date":
            return dt.date.fromisoformat(saved)
        if name == "amount":
            try:
                return Decimal(saved)
            except InvalidOperation:
                return None
        return saved

    def answer_yes(self) -> bool | None:
        """True for yes, False for no, None when the message is neither."""
        if self.choice in {"yes", "no"}:
            return self.choice == "yes"
        yes_no = getattr(self.entities, "yes_no", None) if self.entities is not None else None
        if yes_no in {"yes", "no"}:
            return yes_no == "yes"
        if self.intent == "afirmar" and self.confident:
            return True
        if self.intent == "negar" and self.confident:
            return False
        if YES_WORDS.match(self.text):
            return True
        if NO_WORDS.match(self.text):
            return False
        return None

    # --- moving between flows -----------------------------------------------------------

    def start_flow(self, name: str, *, entities: dict[str, str] | None = None) -> None:
        start_flow(self, name, entities=entities)

    def account_title(self, account: Account) -> str:
        """Short, for a button: "Tarjeta de cr… …1111"."""
        number = f" …{account.external_id[-4:]}"
        product = str(account.get_product_type_display())
        room = TITLE_LENGTH - len(number)
        if len(product) > room:
            product = product[: room - 1].rstrip() + "…"
        return product[:1].upper() + product[1:] + number

    def account_label(self, account: Account) -> str:
        return _("%(product)s ending in %(number)s") % {
            "product": account.get_product_type_display(),
            "number": account.external_id[-4:],
        }


def yes_no_options() -> tuple[Option, Option]:
    return (Option("yes", _("Yes, confirm")), Option("no", _("No")))


def flows() -> dict[str, ModuleType]:
    from recaudo.conversations.assistant.flows import FLOWS

    return FLOWS


def flow_for_intent(intent: str) -> ModuleType | None:
    return next(
        (module for module in flows().values() if intent in getattr(module, "INTENTS", ())),
        None,
    )


def _numbered_choice(text: str, options: list[dict[str, str]]) -> str:
    """ "2" answers the second option last offered."""
    if text.isdigit() and options and 1 <= int(text) <= len(options):
        return str(options[int(text) - 1].get("id", ""))
    return ""


def _titles(options: list[dict[str, str]]) -> dict[str, str]:
    return {
        str(option.get("title", "")).casefold(): str(option.get("id", "")) for option in options
    }


def understand_text(conversation: Conversation, text: str, *, choice: str, now: dt.datetime) -> Any:
    """What the NLU makes of ``text`` (an ``nlu.Understanding``), or None when there is
    nothing to understand (a pressed option, no text). Reads no state and writes nothing, so
    callers run it before locking the conversation: the classifier trains on first use and
    the optional language model may take seconds."""
    from recaudo.conversations.assistant.flows import identify

    # An identity answer reaches the classifier without its digits, or not at all.
    text = identify.classifier_text(conversation, (text or "").strip())
    if not text or choice:
        return None
    from recaudo.conversations.nlu import understand

    today = now.astimezone(ZoneInfo(conversation.creditor.timezone)).date()
    return understand(text, today=today)


def respond(
    conversation: Conversation,
    text: str,
    *,
    choice: str,
    now: dt.datetime,
    understanding: Any = None,
) -> tuple[list[Reply], Understood]:
    """The replies to one turn; updates ``conversation`` (state, customer, account, status)
    in memory: the caller saves it. ``understanding`` is ``understand_text``'s answer when the
    caller already has it (else the text is understood here)."""
    if not isinstance(conversation.state, dict):
        conversation.state = {}
    state = conversation.state
    text = (text or "").strip()
    last_options = [option for option in state.get("options", []) if isinstance(option, dict)]
    if not choice and text:
        choice = _numbered_choice(text, last_options) or _titles(last_options).get(
            text.casefold(), ""
        )
    context = Context(conversation=conversation, text=text, choice=choice, now=now)
    understood = Understood(entities={"choice": choice} if choice else {})
    if text and not choice and understanding is None:
        understanding = understand_text(conversation, text, choice=choice, now=now)
    if text and not choice and understanding is not None:
        from recaudo.conversations.assistant.flows import identify

        context.intent = understanding.intent
        context.confidence = understanding.confidence
        context.entities = understanding.entities
        context.ranking = understanding.ranking
        understood = Understood(
            understanding.intent,
            understanding.confidence,
            identify.recorded_entities(understanding.entities.as_json()),
        )
    elif choice.startswith("intent:"):
        context.intent = choice.removeprefix("intent:")
        context.confidence = 1.0
        understood.intent = context.intent
    _expire_verification(context, conversation)
    _dispatch(context)
    state["options"] = [option.as_json() for reply in context.replies for option in reply.options]
    return context.replies, understood


def _expire_verification(context: Context, conversation: Conversation) -> None:
    if (
        conversation.verified_at is not None
        and conversation.last_turn_at < context.now - VERIFIED_IDLE
    ):
        conversation.verified_at = None
        conversation.account = None
        context.state.update({"flow": "", "step": "", "data": {}, "pending": None})
        context.state.pop("identify", None)
    from recaudo.conversations.assistant.flows import identify

    identify.forget_unverified_candidate(conversation)


def _dispatch(context: Context) -> None:
    from recaudo.conversations.assistant.flows import menu

    if not context.text and not context.choice:
        menu.greet(context)
        return
    if context.choice == "menu":
        context.finish(more=False)
        menu.show(context)
        return
    if context.choice == "switch_account":
        context.conversation.account = None
        context.start_flow("balance")
        return
    if not context.verified and context.step != "message":
        from recaudo.conversations.assistant.flows import identify

        if identify.is_third_party(context):
            identify.third_party(context)
            return
    module = flows().get(context.flow)
    if module is not None and context.step:
        interrupted = (
            context.intent in INTERRUPTS
            and context.confident
            and not context.choice
            and context.intent not in getattr(module, "INTENTS", ())
            and context.flow != "identify"
        )
        if not interrupted:
            if context.step == "account" and getattr(module, "NEEDS_ACCOUNT", False):
                if _take_account_choice(context):
                    module.start(context)
                    return
            elif module.resume(context):
                return
    route(context)


def route(context: Context) -> None:
    """Start the flow the customer asked for (or clarify, or show the menu)."""
    from recaudo.conversations.assistant.flows import menu

    intent = context.intent
    if not intent and context.choice:
        # A button of an earlier question: ask what they want now.
        menu.show(context)
        return
    if not context.confident:
        menu.clarify(context)
        return
    if intent == "saludo":
        menu.greet(context)
        return
    module = flow_for_intent(intent)
    if module is None:
        menu.not_understood(context) if intent == "fuera_de_alcance" else menu.show(context)
        return
    start_flow(context, module.NAME, entities=_entities_json(context))


def _entities_json(context: Context) -> dict[str, str]:
    entities = context.entities
    return entities.as_json() if entities is not None else {}


def start_flow(context: Context, name: str, *, entities: dict[str, str] | None = None) -> None:
    module = flows()[name]
    previous_step = context.step if context.flow == "identify" else ""
    identifying = previous_step in IDENTIFY_QUESTIONS
    context.state.update(
        {
            "flow": name,
            "step": "",
            "data": {"entities": entities or {}, "text": context.text, "intent": context.intent},
        }
    )
    if getattr(module, "NEEDS_VERIFICATION", True) and not context.verified:
        context.state["pending"] = {"flow": name, "data": context.state["data"]}
        if identifying:
            # Asked for something else halfway through the identity check: keep its progress.
            from recaudo.conversations.assistant.flows import identify

            identify.ask_again(context, step=previous_step)
            return
        start_flow(context, "identify")
        return
    if getattr(module, "NEEDS_ACCOUNT", False) and not ensure_account(context):
        return
    module.start(context)


def resume_pending(context: Context) -> bool:
    """After verification: start the flow the customer asked for before it. False if none."""
    pending = context.state.pop("pending", None)
    if not isinstance(pending, dict) or pending.get("flow") not in flows():
        return False
    name = pending["flow"]
    module = flows()[name]
    context.state.update({"flow": name, "step": "", "data": pending.get("data") or {}})
    if getattr(module, "NEEDS_ACCOUNT", False) and not ensure_account(context):
        return True
    module.start(context)
    return True


def ensure_account(context: Context) -> bool:
    """The conversation has an account; else ask which one (step "account") and return False."""
    if context.account is not None:
        return True
    accounts = context.open_accounts()
    if len(accounts) == 1:
        context.conversation.account = accounts[0]
        return True
    if not accounts:
        context.say(_("You have no pending accounts with us. Thank you for checking!"))
        context.finish()
        return False
    context.ask(
        _("Which account is it about?"),
        [Option(f"account:{account.pk}", context.account_title(account)) for account in accounts],
        step="account",
    )
    return False


def _take_account_choice(context: Context) -> bool:
    customer = context.customer
    account = None
    if customer is not None and context.choice.startswith("account:"):
        account = queries.account_of(customer, context.choice.removeprefix("account:"))
    if account is None and customer is not None and context.text:
        # "la que termina en 1234"
        digits = re.findall(r"\d{3,}", context.text)
        candidates = [
            candidate
            for candidate in context.open_accounts()
            if any(candidate.external_id.endswith(number) for number in digits)
        ]
        account = candidates[0] if len(candidates) == 1 else None
    if account is None:
        return False
    context.conversation.account = account
    context.state["step"] = ""
    return True
