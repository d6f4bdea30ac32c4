"""Rendering templates: variables, the text of each channel, previews with a sample customer.

The syntax is deliberately small: ``{{ variable }}`` and nothing else (no tags, filters or
attribute access), so a template written by a creditor can neither run logic nor reach data
outside the variables below. An unknown variable, or stray ``{{``/``{%``, is an error reported
when the template is saved or approved (``template_errors``). Values are plain text; the HTML of
an e-mail is built from the rendered text with every value escaped.

The worker calls ``render_for_message``; the admin and ``approve_template`` call ``preview``.
"""

import base64
import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from django.conf import settings
from django.utils import timezone, translation
from django.utils.functional import Promise as StrOrPromise
from django.utils.html import escape, urlize
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from recaudo.channels.models import Message
from recaudo.customers.models import Channel, Customer
from recaudo.debts.models import Account, Creditor, PromiseStatus
from recaudo.lib.money import format_money
from recaudo.selfservice.links import self_service_link
from recaudo.strategies.content_check import Finding, check_content
from recaudo.strategies.links import payment_link
from recaudo.strategies.models import Template
from recaudo.strategies.sms import sms_length, to_gsm7

VARIABLES: dict[str, Any] = {
    "first_name": gettext_lazy("Customer's first name (or full name when there is none)"),
    "full_name": gettext_lazy("Customer's full name"),
    "amount": gettext_lazy("Overdue amount, or the balance when nothing is overdue"),
    "balance": gettext_lazy("Balance of the account"),
    "due_date": gettext_lazy("Next due date, else the oldest unpaid one, in words"),
    "instalment_amount": gettext_lazy(
        "Unpaid part of the instalment due on that date, else the amount"
    ),
    "days_past_due": gettext_lazy("Days past due"),
    "payment_link": gettext_lazy("Signed payment link for the account"),
    "self_service_link": gettext_lazy(
        "Signed link to the customer's self-service page (accounts, payments, plans, statements)"
    ),
    "payment_methods": gettext_lazy("Ways to pay in the customer's country"),
    "creditor_name": gettext_lazy("Creditor's name"),
    "opt_out_text": gettext_lazy("How to stop messages on this channel"),
    "collector_identity": gettext_lazy(
        "Creditor's name, the disclosures the country requires and a contact line"
    ),
    "promise_amount": gettext_lazy("Amount of the active promise to pay"),
    "promise_date": gettext_lazy("Date of the active promise to pay, in words"),
    "external_id": gettext_lazy("Account number at the creditor"),
}

VARIABLE_PATTERN = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
_STRAY_SYNTAX = re.compile(r"\{\{|\}\}|\{%|%\}")

# Customer-facing texts: English msgids, rendered in the template's language.
PAYMENT_METHODS: dict[str, StrOrPromise] = {
    "CO": gettext_lazy("PSE, card, Efecty or bank correspondents"),
    "MX": gettext_lazy("SPEI, card, OXXO or bank branch"),
    "CL": gettext_lazy("transfer, Webpay, Servipag or Caja Vecina"),
    "PE": gettext_lazy("transfer, Yape, Plin, agents or bank branch"),
    "EC": gettext_lazy("transfer, card, Pago Ágil or bank branch"),
    "AR": gettext_lazy("transfer, Mercado Pago, Rapipago or Pago Fácil"),
    "BR": gettext_lazy("Pix, boleto or card"),
    "ES": gettext_lazy("transfer, Bizum or card"),
    "US": gettext_lazy("card, ACH transfer or cash at authorised points"),
}
DEFAULT_PAYMENT_METHODS = gettext_lazy("transfer or card")

_REPLY_STOP = gettext_lazy("Reply BAJA to stop receiving messages on this channel.")
OPT_OUT_TEXT: dict[str, StrOrPromise] = {
    Channel.SMS: _REPLY_STOP,
    Channel.WHATSAPP: _REPLY_STOP,
    Channel.RCS: _REPLY_STOP,
    Channel.EMAIL: gettext_lazy(
        "If you do not want more e-mails about this account, reply to this message with the "
        "word BAJA."
    ),
    Channel.PUSH: gettext_lazy("You can turn these notifications off in the app's settings."),
    Channel.VOICE: gettext_lazy(
        "If you would rather not receive more calls, say «baja» at the end of this message."
    ),
}

# Channels whose text is HTML-escaped into an HTML part.
HTML_CHANNELS = frozenset({Channel.EMAIL})

SAMPLE_AMOUNTS: dict[str, Decimal] = {
    "COP": Decimal("150000"),
    "CLP": Decimal("150000"),
    "MXN": Decimal("1500"),
    "ARS": Decimal("95000"),
    "PEN": Decimal("350"),
    "BRL": Decimal("450"),
}


@dataclass(frozen=True)
class RenderedMessage:
    subject: str
    body: str
    html: str = ""
    # For channels.base.OutboundMessage.payload.
    payload: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Preview:
    subject: str
    body: str
    html: str
    payload: dict[str, Any]
    encoding: str
    segments: int
    units: int
    findings: list[Finding]
    errors: list[str]

    @property
    def ok(self) -> bool:
        return not self.findings and not self.errors


# --- syntax -----------------------------------------------------------------------------


def variables_in(text: str) -> list[str]:
    return VARIABLE_PATTERN.findall(text)


def text_errors(text: str) -> list[str]:
    """Unknown variables and stray template syntax in ``text``, as messages."""
    errors = [
        _("Unknown variable {{ %(name)s }}; the known ones are: %(known)s.")
        % {"name": name, "known": ", ".join(VARIABLES)}
        for name in dict.fromkeys(variables_in(text))
        if name not in VARIABLES
    ]
    rest = VARIABLE_PATTERN.sub("", text)
    if stray := _STRAY_SYNTAX.search(rest):
        errors.append(
            _("Only {{ variable }} is allowed: remove or fix «%(syntax)s».")
            % {"syntax": stray.group()}
        )
    return errors


def _button_texts(buttons: Any) -> list[str]:
    if not isinstance(buttons, list):
        return []
    return [
        str(value)
        for button in buttons
        if isinstance(button, dict)
        for value in button.values()
        if isinstance(value, str)
    ]


def used_variables(template: Template) -> frozenset[str]:
    """Every variable the template uses, in its texts, buttons and provider parameters."""
    texts = [template.subject, template.body, *_button_texts(template.buttons)]
    params = template.provider_template_params
    names = {name for text in texts for name in variables_in(text)}
    if isinstance(params, list):
        names |= {_param_name(param) for param in params}
    return frozenset(names)


def template_errors(template: Template) -> list[str]:
    """Everything wrong with the template's syntax: unknown variables in the subject, body,
    buttons and provider parameters; a WhatsApp template without its provider name."""
    errors = text_errors(template.subject) + text_errors(template.body)
    for text in _button_texts(template.buttons):
        errors += text_errors(text)
    params = template.provider_template_params
    if not isinstance(params, list):
        errors.append(_("Provider template parameters must be a list of variable names."))
        params = []
    for param in params:
        name = _param_name(param)
        if name not in VARIABLES:
            errors.append(
                _("Unknown variable {{ %(name)s }}; the known ones are: %(known)s.")
                % {"name": name, "known": ", ".join(VARIABLES)}
            )
    if template.channel == Channel.WHATSAPP and not template.provider_template_name:
        errors.append(_("A WhatsApp template needs the name of the provider's approved template."))
    return list(dict.fromkeys(errors))


def _param_name(param: Any) -> str:
    """A provider parameter is a variable name, bare or in braces."""
    text = str(param).strip()
    match = VARIABLE_PATTERN.fullmatch(text)
    return match.group(1) if match else text


def provider_body(template: Template) -> str:
    """The body as the provider's template expects it (WhatsApp: ``{{1}}``, ``{{2}}`` ... in the
    order of ``provider_template_params``), to submit for the provider's approval."""
    order = {
        _param_name(param): index
        for index, param in enumerate(template.provider_template_params, 1)
    }

    def replace(match: re.Match[str]) -> str:
        index = order.get(match.group(1))
        return f"{{{{{index}}}}}" if index else match.group(0)

    return VARIABLE_PATTERN.sub(replace, template.body)


def substitute(text: str, context: Mapping[str, str]) -> str:
    """``text`` with each known ``{{ variable }}`` replaced (unknown ones are left as they are:
    approval refuses them, so only a draft preview shows them)."""

    def replace(match: re.Match[str]) -> str:
        return context.get(match.group(1), match.group(0))

    return VARIABLE_PATTERN.sub(replace, text)


# --- values -----------------------------------------------------------------------------


def babel_locale(language: str, country: str) -> str:
    """``es`` + ``CO`` -> ``es_CO`` when babel knows it, else the language alone."""
    language = (language or "es").split("-")[0].split("_")[0].lower()
    candidate = f"{language}_{country.upper()}" if country else language
    try:
        Locale.parse(candidate)
    except (UnknownLocaleError, ValueError):
        return language
    return candidate


def _plain_spaces(text: str) -> str:
    # babel puts no-break spaces in "S/ 150.00"; outside GSM-7 they would double an SMS's cost.
    return text.replace("\u00a0", " ").replace("\u202f", " ")


def money_text(amount: Decimal, currency: str, locale: str) -> str:
    return _plain_spaces(format_money(amount, currency, locale))


def date_text(day: dt.date | None, locale: str) -> str:
    return format_date(day, "long", locale=locale) if day else ""


def payment_methods_for(country: str) -> str:
    return str(PAYMENT_METHODS.get(country.upper()[:2], DEFAULT_PAYMENT_METHODS))


def opt_out_text_for(channel: str) -> str:
    return str(OPT_OUT_TEXT.get(channel, ""))


def collector_identity_for(creditor_name: str, *, channel: str, country: str) -> str:
    """The creditor's name with what the country requires, plus a contact line on the longer
    channels (e-mail, letter, voice)."""
    country = country.upper()[:2]
    identity = creditor_name
    if country == "US":
        identity += _(
            ", a debt collector. This is an attempt to collect a debt and any information "
            "obtained will be used for that purpose"
        )
    elif country == "MX":
        identity += _(". Payments are made only to %(creditor)s") % {"creditor": creditor_name}
    contacts: dict[str, str] = {
        Channel.EMAIL: _("If you have questions, reply to this e-mail."),
        Channel.LETTER: _("If you have questions, write to us at %(email)s.")
        % {"email": settings.DEFAULT_FROM_EMAIL},
    }
    contact = contacts.get(channel, "")
    return f"{identity}.\n{contact}" if contact else identity


def _unpaid_instalments(account: Account) -> list[tuple[dt.date, Decimal]]:
    """(due date, unpaid part) of each unpaid instalment, oldest first."""
    if account.pk is None:
        return []
    rows = account.instalments.order_by("due_date", "number").values_list(
        "due_date", "amount_due", "amount_paid"
    )
    return [(due, owed - paid) for due, owed, paid in rows if paid < owed]


def _active_promise(account: Account) -> tuple[Decimal, dt.date] | None:
    if account.pk is None:
        return None
    promise = account.promises.filter(status=PromiseStatus.ACTIVE).order_by("-created_at").first()
    return (promise.amount, promise.promised_date) if promise else None


def build_context(
    *,
    creditor: Creditor,
    customer: Customer,
    account: Account | None,
    channel: str,
    promise: tuple[Decimal, dt.date] | None = None,
    needed: frozenset[str] | None = None,
) -> dict[str, str]:
    """The value of every variable, as text, for this customer and account on ``channel``.

    With ``needed`` (the variables a template uses), the queries for instalments and promises
    run only when one of their variables is used: the worker renders many messages a second."""
    country = customer.country or creditor.country
    locale = babel_locale(customer.language, country)
    full_name = customer.full_name
    context: dict[str, str] = {
        "first_name": customer.first_name or full_name,
        "full_name": full_name,
        "creditor_name": creditor.name,
        "payment_methods": payment_methods_for(country),
        "opt_out_text": opt_out_text_for(channel),
        "collector_identity": collector_identity_for(
            creditor.name, channel=channel, country=country
        ),
        "amount": "",
        "instalment_amount": "",
        "balance": "",
        "due_date": "",
        "days_past_due": "0",
        "payment_link": "",
        "self_service_link": self_service_link(customer.pk or 0),
        "promise_amount": "",
        "promise_date": "",
        "external_id": "",
    }
    if account is None:
        return context
    currency = account.currency or creditor.currency
    overdue = Decimal(account.overdue_amount or 0)
    balance = Decimal(account.balance or 0)
    wants_instalments = (
        needed is None
        or "instalment_amount" in needed
        or ("due_date" in needed and account.next_due_date is None)
    )
    unpaid = _unpaid_instalments(account) if wants_instalments else []
    due = account.next_due_date or (unpaid[0][0] if unpaid else None)
    amount = overdue if overdue > 0 else balance
    instalment = sum((rest for day, rest in unpaid if day == due), Decimal(0)) or amount
    if promise is None and (needed is None or bool(needed & {"promise_amount", "promise_date"})):
        promise = _active_promise(account)
    context |= {
        "amount": money_text(amount, currency, locale),
        "instalment_amount": money_text(instalment, currency, locale),
        "balance": money_text(balance, currency, locale),
        "due_date": date_text(due, locale),
        "days_past_due": str(max(account.days_past_due, 0)),
        "payment_link": payment_link(account.pk or 0),
        "external_id": account.external_id,
    }
    if promise:
        context["promise_amount"] = money_text(promise[0], currency, locale)
        context["promise_date"] = date_text(promise[1], locale)
    return context


# --- rendering --------------------------------------------------------------------------


def html_from_text(text: str, *, title: str = "") -> str:
    """A simple, safe HTML part: every value escaped, paragraphs kept, links clickable."""
    paragraphs = [part.strip() for part in re.split(r"\n\s*\n", text) if part.strip()]
    body = "\n".join(
        "<p>" + "<br>\n".join(urlize(line, autoescape=True) for line in part.splitlines()) + "</p>"
        for part in paragraphs
    )
    return (
        '<!DOCTYPE html>\n<html lang="es"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title></head>\n"
        '<body style="font-family: Arial, sans-serif; font-size: 15px; line-height: 1.5; '
        'color: #222;">\n'
        f"{body}\n</body></html>\n"
    )


def render_template(
    template: Template,
    *,
    creditor: Creditor,
    customer: Customer,
    account: Account | None,
    as_of: dt.date,
    promise: tuple[Decimal, dt.date] | None = None,
    with_attachments: bool = True,
) -> RenderedMessage:
    with translation.override(template.language or settings.LANGUAGE_CODE):
        return _render(
            template,
            creditor=creditor,
            customer=customer,
            account=account,
            as_of=as_of,
            promise=promise,
            with_attachments=with_attachments,
        )


def _render(
    template: Template,
    *,
    creditor: Creditor,
    customer: Customer,
    account: Account | None,
    as_of: dt.date,
    promise: tuple[Decimal, dt.date] | None,
    with_attachments: bool,
) -> RenderedMessage:
    context = build_context(
        needed=used_variables(template),
        creditor=creditor,
        customer=customer,
        account=account,
        channel=template.channel,
        promise=promise,
    )
    subject = " ".join(substitute(template.subject, context).split())
    body = substitute(template.body, context).strip()
    if template.channel == Channel.SMS and settings.RECAUDO_SMS_GSM7:
        body = to_gsm7(body)
    payload: dict[str, Any] = {}
    if context["payment_link"]:
        payload["link"] = context["payment_link"]
    if template.buttons:
        payload["buttons"] = [
            {k: substitute(v, context) if isinstance(v, str) else v for k, v in button.items()}
            for button in template.buttons
            if isinstance(button, dict)
        ]
    html = ""
    if template.channel in HTML_CHANNELS:
        html = html_from_text(body, title=subject)
        payload["html"] = html
    if template.provider_template_name:
        payload["template_name"] = template.provider_template_name
        payload["template_language"] = template.language
        payload["template_params"] = [
            context.get(_param_name(param), "") for param in template.provider_template_params
        ]
    if template.channel == Channel.LETTER and with_attachments:
        from recaudo.strategies.letters import build_letter_pdf

        pdf = build_letter_pdf(
            creditor_name=creditor.name,
            customer_name=customer.full_name,
            date_text=date_text(as_of, babel_locale(customer.language, customer.country)),
            subject=subject,
            body=body,
            amount=context["amount"],
            link=context["payment_link"],
        )
        payload["attachments"] = [
            {
                "filename": f"{template.code}.pdf",
                "content_type": "application/pdf",
                "content_base64": base64.b64encode(pdf).decode("ascii"),
            }
        ]
    return RenderedMessage(subject=subject, body=body, html=html, payload=payload)


def render_for_message(message: Message, *, as_of: dt.date) -> RenderedMessage:
    """What the worker sends for a queued ``message``: its template version rendered for its
    customer and account. A message without a template goes as it was written."""
    template = message.template
    if template is None or message.customer is None:
        return RenderedMessage(
            subject=message.subject, body=message.body, payload=dict(message.payload or {})
        )
    rendered = render_template(
        template,
        creditor=message.creditor,
        customer=message.customer,
        account=message.account,
        as_of=as_of,
    )
    # Whatever the planner put in the payload (e.g. tracking data) is kept under ours.
    return RenderedMessage(
        subject=rendered.subject,
        body=rendered.body,
        html=rendered.html,
        payload=dict(message.payload or {}) | rendered.payload,
    )


def check_rendered(
    message: Message, rendered: RenderedMessage, *, first_contact: bool = False
) -> list[Finding]:
    """The content check on what is about to be sent (compliance.md §2.10: the check runs on
    the rendered message before sending, not only when the template was approved)."""
    customer = message.customer
    country = (customer.country if customer else "") or message.creditor.country
    params = [str(p) for p in rendered.payload.get("template_params", [])]
    return check_content(
        "\n".join([rendered.subject, rendered.body, *params]),
        channel=message.channel,
        country=country,
        first_contact=first_contact,
        creditor_name=message.creditor.name,
    )


# --- preview ----------------------------------------------------------------------------


def sample_customer_and_account(creditor: Creditor, *, as_of: dt.date) -> tuple[Customer, Account]:
    """An unsaved customer and account, for previews when no real account is given."""
    customer = Customer(
        creditor=creditor,
        external_id="EJEMPLO",
        first_name="María",
        last_name="Gómez Rojas",
        country=creditor.country,
        timezone=creditor.timezone,
        language="es",
    )
    overdue = SAMPLE_AMOUNTS.get(creditor.currency, Decimal("120"))
    account = Account(
        creditor=creditor,
        customer=customer,
        external_id="0012345",
        currency=creditor.currency,
        original_amount=overdue * 10,
        balance=overdue * 3,
        balance_as_of=as_of,
        overdue_amount=overdue,
        days_past_due=12,
        next_due_date=as_of + dt.timedelta(days=5),
    )
    return customer, account


def preview(
    template: Template,
    *,
    account: Account | None = None,
    as_of: dt.date | None = None,
    first_contact: bool = True,
) -> Preview:
    """The template rendered for ``account`` (a sample customer when none), with its SMS
    length and the content check for the creditor's country.

    ``first_contact`` defaults to True: an approved template may be the first message a
    customer gets, so the strictest identification rules apply."""
    as_of = as_of or timezone.localdate()
    creditor = template.creditor
    promise: tuple[Decimal, dt.date] | None = None
    if account is None:
        customer, account = sample_customer_and_account(creditor, as_of=as_of)
        promise = (account.overdue_amount, as_of + dt.timedelta(days=2))
    else:
        customer = account.customer
    rendered = render_template(
        template,
        creditor=creditor,
        customer=customer,
        account=account,
        as_of=as_of,
        promise=promise,
        with_attachments=False,
    )
    checked = "\n".join(
        [rendered.subject, rendered.body]
        + [str(p) for p in rendered.payload.get("template_params", [])]
    )
    findings = check_content(
        checked,
        channel=template.channel,
        country=customer.country or creditor.country,
        first_contact=first_contact,
        creditor_name=creditor.name,
    )
    length = sms_length(rendered.body)
    return Preview(
        subject=rendered.subject,
        body=rendered.body,
        html=rendered.html,
        payload=rendered.payload,
        encoding=length.encoding,
        segments=length.segments,
        units=length.units,
        findings=findings,
        errors=template_errors(template),
    )
