"""Customers: search across creditors, the customer view (data, contact points and consent,
accounts with their instalments, payments and agreements, one timeline of everything) and the
agent's actions on it.

Every action goes through the same function the API and the assistant call (``debts.actions``,
``customers.actions``, ``debts.statements``) with ``actor="agent"`` and the user's name, writes an
``acted`` line in the access log, and answers htmx with the affected panel, the holds and the
timeline re-rendered (without JavaScript: a redirect back to the page with a message).
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from django import forms as django_forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Max, Prefetch, Q, QuerySet, Sum
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from recaudo.console.access import requires
from recaudo.console.forms.customers import (
    CONTACT_CHANNELS,
    DisputeForm,
    HoldForm,
    NoteForm,
    OptOutForm,
    PaymentForm,
    PaymentLinkForm,
    PlanForm,
    PreferencesForm,
    PromiseForm,
    SearchForm,
)
from recaudo.customers.actions import opt_out, update_preferences
from recaudo.customers.models import CHANNELS_BY_MEDIUM, Channel, ContactPoint, Customer, Medium
from recaudo.customers.queries import (
    accepted_channels,
    consents_in_force,
    reachable_contact_point,
)
from recaudo.debts import actions as debt_actions
from recaudo.debts.actions import PAYMENT_LINK_CHANNELS
from recaudo.debts.models import (
    Account,
    Actor,
    Hold,
    Instalment,
    Payment,
    Plan,
    Promise,
)
from recaudo.debts.plans import PlanOption
from recaudo.debts.promises import promise_terms
from recaudo.debts.queries import (
    InstalmentState,
    customer_timeline,
    instalment_state,
    instalment_state_labels,
    options_for,
)
from recaudo.debts.statements import send_statement
from recaudo.lib.masking import mask_address, mask_tail
from recaudo.staff.actions import record_audit
from recaudo.staff.models import AuditAction
from recaudo.staff.roles import Capability, can

SEARCH_PAGE_SIZE = 25
TIMELINE_PAGE_SIZE = 30
# Last digits of a document or a phone: at least this many to search by them.
MIN_DIGITS = 4
AGENT = Actor.AGENT.value


# --- search ---------------------------------------------------------------------------------


def search_customers(text: str, creditor: Any = None) -> "QuerySet[Customer]":
    """Customers whose name has every word of ``text``, or whose document is ``text`` (or ends
    with its digits), or who have a phone or e-mail like it, or an account (or customer)
    external id equal to it; of one creditor or all. With each, its accounts' count, total
    balance and highest days past due."""
    found = Customer.objects.select_related("creditor")
    if creditor is not None:
        found = found.filter(creditor=creditor)
    text = text.strip()
    if text:
        names = Q()
        for word in text.split():
            names &= Q(first_name__icontains=word) | Q(last_name__icontains=word)
        match = names | Q(external_id__iexact=text)
        compact = re.sub(r"[\s.\-]", "", text)
        digits = re.sub(r"\D", "", text)
        if compact:
            match |= Q(document_number__iexact=compact)
        if len(digits) >= MIN_DIGITS:
            match |= Q(document_number__endswith=digits)
        points = Q()
        if "@" in text:
            points = Q(medium=Medium.EMAIL, value__icontains=text.lower())
        elif len(digits) >= MIN_DIGITS:
            points = Q(medium=Medium.PHONE, value__endswith=digits)
        if points:
            match |= Q(pk__in=ContactPoint.objects.filter(points).values("customer_id"))
        match |= Q(pk__in=Account.objects.filter(external_id__iexact=text).values("customer_id"))
        found = found.filter(match)
    return found.annotate(
        account_count=Count("accounts"),
        balance_total=Sum("accounts__balance"),
        max_days_past_due=Max("accounts__days_past_due"),
    ).order_by("last_name", "first_name", "pk")


@requires(Capability.VIEW_CUSTOMERS)
@require_GET
def customers(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET or None)
    page = None
    rows: list[tuple[Customer, str]] = []
    if form.is_valid() and (form.cleaned_data["q"].strip() or form.cleaned_data["creditor"]):
        found = search_customers(form.cleaned_data["q"], form.cleaned_data["creditor"])
        page = Paginator(found, SEARCH_PAGE_SIZE).get_page(request.GET.get("page"))
        rows = [(item, mask_tail(item.document_number)) for item in page.object_list]
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "rows": rows, "query": query.urlencode()}
    if request.headers.get("HX-Request") and request.headers.get("HX-Target") == "results":
        return render(request, "console/customers/_results.html", context)
    return render(request, "console/customers/search.html", context)


# --- the customer view ----------------------------------------------------------------------


@dataclass
class InstalmentRow:
    instalment: Instalment
    state: InstalmentState
    label: str


@dataclass
class AccountPanel:
    account: Account
    instalments: list[InstalmentRow]
    payments: list[Payment]
    promises: list[Promise]
    plans: list[Plan]
    forms: dict[str, django_forms.Form] = field(default_factory=dict)
    plan_options: list[PlanOption] | None = None
    status_message: str = ""

    @property
    def dom_id(self) -> str:
        return f"account-{self.account.pk}"


@dataclass
class PointRow:
    point: ContactPoint
    # (channel label, True granted / False withdrawn / None nothing said)
    consents: list[tuple[str, bool | None]]
    # The number or address as shown: whole for those who act on accounts (an agent calls it),
    # masked for the others (a compliance officer recognises it, cannot copy it).
    shown: str = ""


def _today(customer: Customer) -> date:
    return timezone.now().astimezone(ZoneInfo(customer.creditor.timezone)).date()


def _instalment_rows(account: Account, today: date) -> list[InstalmentRow]:
    labels = instalment_state_labels()
    rows = []
    for instalment in account.instalments.all():
        state = instalment_state(instalment, today)
        rows.append(InstalmentRow(instalment, state, labels[state]))
    return rows


def _customer(customer_id: int) -> Customer:
    return get_object_or_404(Customer.objects.select_related("creditor"), pk=customer_id)


def _account(customer: Customer, account_id: int) -> Account:
    account = get_object_or_404(
        Account.objects.select_related("creditor"), pk=account_id, customer=customer
    )
    account.customer = customer
    return account


def _payment_link_channels(customer: Customer) -> list[str]:
    """The channels a payment link can go on: those with a reachable contact point."""
    return [
        channel
        for channel in PAYMENT_LINK_CHANNELS
        if reachable_contact_point(customer, channel) is not None
    ]


def _promise_form(account: Account, today: date, data: Any = None) -> PromiseForm:
    return PromiseForm(
        data,
        account=account,
        terms=promise_terms(account, today=today),
        today=today,
        prefix=f"promise-{account.pk}",
    )


def _account_forms(
    account: Account, today: date, link_channels: list[str]
) -> dict[str, django_forms.Form]:
    """The account's action forms; no payment-link form without a channel to send it on."""
    pk = account.pk
    forms: dict[str, django_forms.Form] = {
        "promise": _promise_form(account, today),
        "payment": PaymentForm(account=account, today=today, prefix=f"payment-{pk}"),
        "note": NoteForm(prefix=f"note-{pk}"),
        "dispute": DisputeForm(prefix=f"dispute-{pk}"),
    }
    if link_channels:
        forms["payment_link"] = PaymentLinkForm(channels=link_channels, prefix=f"link-{pk}")
    return forms


def customer_context(
    request: HttpRequest,
    customer: Customer,
    *,
    bound: dict[tuple[str, int | None], django_forms.Form] | None = None,
    plan_for: int | None = None,
    status: tuple[str, int | None, str] | None = None,
) -> dict[str, Any]:
    """Everything the customer view shows, in a fixed number of queries.

    ``bound``: forms that failed, by (action, account id) (None: the customer's own forms);
    ``plan_for``: the account whose plan options are shown; ``status``: (panel, account id,
    text) of the message of the action just done.
    """
    bound = bound or {}
    today = _today(customer)
    can_act = can(request.user, Capability.ACT_ON_ACCOUNTS)
    points = list(customer.contact_points.order_by("role", "medium", "-verified", "id"))
    consents = consents_in_force(points)
    point_rows = [
        PointRow(
            point,
            [
                (str(Channel(channel).label), consents.get((point.pk, channel)))
                for channel in CHANNELS_BY_MEDIUM.get(point.medium, ())
            ],
            shown=point.value if can_act else mask_address(point.value),
        )
        for point in points
    ]
    accounts = list(
        customer.accounts.select_related("creditor")
        .order_by("external_id")
        .prefetch_related(
            Prefetch("instalments", queryset=Instalment.objects.order_by("due_date", "number")),
            Prefetch("payments", queryset=Payment.objects.order_by("-paid_at", "-id")),
            Prefetch("promises", queryset=Promise.objects.order_by("-created_at", "-id")),
            Prefetch("plans", queryset=Plan.objects.order_by("-created_at", "-id")),
        )
    )
    holds = list(customer.holds.order_by("released_at", "-started_at", "-id"))
    by_id = {account.pk: account for account in accounts}
    for hold in holds:
        label = by_id[hold.account_id].external_id if hold.account_id in by_id else ""
        hold.account_label = label  # type: ignore[attr-defined]
    link_channels = _payment_link_channels(customer) if can_act else []
    panels = []
    for account in accounts:
        account.customer = customer
        panel = AccountPanel(
            account=account,
            instalments=_instalment_rows(account, today),
            payments=list(account.payments.all()),
            promises=list(account.promises.all()),
            plans=list(account.plans.all()),
        )
        if can_act:
            panel.forms = _account_forms(account, today, link_channels)
            for (action, account_id), form in bound.items():
                if account_id == account.pk and action in panel.forms:
                    panel.forms[action] = form
            if plan_for == account.pk or ("plan", account.pk) in bound:
                panel.plan_options = options_for(account, today=today)
                panel.forms["plan"] = bound.get(
                    ("plan", account.pk),
                    PlanForm(options=panel.plan_options, prefix=f"plan-{account.pk}"),
                )
        if status is not None and status[0] == "account" and status[1] == account.pk:
            panel.status_message = status[2]
        panels.append(panel)
    context: dict[str, Any] = {
        "customer": customer,
        "document_masked": mask_tail(customer.document_number),
        "points": point_rows,
        "accounts": panels,
        "holds": holds,
        "open_holds": [hold for hold in holds if hold.released_at is None],
        "timeline": customer_timeline(customer, limit=TIMELINE_PAGE_SIZE),
        "can_act": can_act,
        "today": today,
        "status_panel": status[0] if status else "",
        "status_message": status[2] if status else "",
    }
    if can_act:
        offered = [
            channel
            for channel in CONTACT_CHANNELS
            if any(channel in CHANNELS_BY_MEDIUM.get(point.medium, ()) for point in points)
        ]
        accepted = accepted_channels(customer, offered)
        preferred = [str(item) for item in customer.preferred_channels or []]
        context["preferences_form"] = bound.get(("preferences", None)) or PreferencesForm(
            channels=offered,
            prefix="preferences",
            initial={
                "accepted_channels": accepted,
                "preferred_channel": next((item for item in preferred if item in accepted), ""),
                "hours_start": customer.preferred_hours_start,
                "hours_end": customer.preferred_hours_end,
            },
        )
        context["opt_out_form"] = bound.get(("opt_out", None)) or OptOutForm(prefix="opt-out")
        context["hold_form"] = bound.get(("hold", None)) or HoldForm(
            accounts=accounts, prefix="hold"
        )
        context["statement_errors"] = bound.get(("statement", None))
    return context


@requires(Capability.VIEW_CUSTOMERS)
@require_GET
def customer(request: HttpRequest, customer_id: int) -> HttpResponse:
    found = _customer(customer_id)
    plan_for = request.GET.get("plan")
    context = customer_context(
        request, found, plan_for=int(plan_for) if plan_for and plan_for.isdigit() else None
    )
    record_audit(request.user, AuditAction.VIEWED_CUSTOMER, request=request, customer=found)
    return render(request, "console/customers/detail.html", context)


@requires(Capability.VIEW_CUSTOMERS)
@require_GET
def timeline(request: HttpRequest, customer_id: int) -> HttpResponse:
    """An older page of the timeline ("load more")."""
    found = _customer(customer_id)
    try:
        page = customer_timeline(
            found, limit=TIMELINE_PAGE_SIZE, before=request.GET.get("before") or None
        )
    except ValueError:
        return HttpResponseBadRequest(_("The timeline position is not valid: reload the page."))
    context = {"customer": found, "timeline": page}
    if request.headers.get("HX-Request"):
        return render(request, "console/customers/_timeline_entries.html", context)
    record_audit(
        request.user,
        AuditAction.VIEWED_CUSTOMER,
        request=request,
        customer=found,
        detail={"view": "timeline"},
    )
    return render(request, "console/customers/timeline.html", context)


# --- actions --------------------------------------------------------------------------------


def _respond(
    request: HttpRequest,
    customer: Customer,
    *,
    panel: str,
    account_id: int | None = None,
    message: str = "",
    bound: dict[tuple[str, int | None], django_forms.Form] | None = None,
) -> HttpResponse:
    """htmx: the panel (with the message or the form's errors), the holds and the timeline.
    Without htmx: back to the page with the message, or the page with the form's errors."""
    anchor = f"#account-{account_id}" if panel == "account" else f"#{panel}"
    if not request.headers.get("HX-Request"):
        if bound is None:
            messages.success(request, message)
            return redirect(reverse("console:customer", args=[customer.pk]) + anchor)
        context = customer_context(request, customer, bound=bound)
        return render(request, "console/customers/detail.html", context, status=400)
    context = customer_context(
        request, customer, bound=bound, status=(panel, account_id, message) if message else None
    )
    context["panel"] = panel
    context["panel_account"] = next(
        (item for item in context["accounts"] if item.account.pk == account_id), None
    )
    return render(request, "console/customers/_action_response.html", context)


def _refusal_text(error: ValueError) -> str:
    return str(getattr(error, "message", "") or error)


Perform = Callable[[Account, dict[str, Any], str], str]


def _account_action(
    request: HttpRequest,
    customer_id: int,
    account_id: int,
    action: str,
    make_form: Callable[[Account, date], django_forms.Form],
    perform: Perform,
    form_key: str,
) -> HttpResponse:
    found = _customer(customer_id)
    account = _account(found, account_id)
    form = make_form(account, _today(found))
    if form.is_valid():
        try:
            text = perform(account, form.cleaned_data, request.user.get_username())
        except ValueError as refused:  # AgreementRefused, ContactRefused, invalid amounts
            form.add_error(None, _refusal_text(refused))
        else:
            record_audit(
                request.user,
                AuditAction.ACTED,
                request=request,
                account=account,
                detail={"action": action},
            )
            return _respond(request, found, panel="account", account_id=account.pk, message=text)
    return _respond(
        request, found, panel="account", account_id=account.pk, bound={(form_key, account.pk): form}
    )


@requires(Capability.ACT_ON_ACCOUNTS)
@require_POST
def promise(request: HttpRequest, customer_id: int, account_id: int) -> HttpResponse:
    def perform(account: Account, data: dict[str, Any], agent: str) -> str:
        # A double submit (the same promise by the same agent moments ago) is recognised by
        # the action, with the account locked: it writes nothing new.
        _promise, new = debt_actions.make_promise_once(
            account,
            amount=data["amount"],
            promised_date=data["promised_date"],
            today=_today(account.customer),
            channel="console",
            actor=AGENT,
            actor_name=agent,
        )
        if not new:
            return _("That promise is already registered: nothing changed.")
        return _("Promise registered.")

    return _account_action(
        request,
        customer_id,
        account_id,
        "make_promise",
        lambda account, today: _promise_form(account, today, request.POST),
        perform,
        "promise",
    )


@requires(Capability.ACT_ON_ACCOUNTS)
@require_GET
def plan_options(request: HttpRequest, customer_id: int, account_id: int) -> HttpResponse:
    """The plan options for the account today, as a form (htmx), or the page showing them."""
    found = _customer(customer_id)
    account = _account(found, account_id)
    if not request.headers.get("HX-Request"):
        return redirect(
            reverse("console:customer", args=[found.pk]) + f"?plan={account.pk}#plan-{account.pk}"
        )
    options = options_for(account, today=_today(found))
    form = PlanForm(options=options, prefix=f"plan-{account.pk}")
    return render(
        request,
        "console/customers/_plan_form.html",
        {"customer": found, "account": account, "plan_options": options, "form": form},
    )


@requires(Capability.ACT_ON_ACCOUNTS)
@require_POST
def plan(request: HttpRequest, customer_id: int, account_id: int) -> HttpResponse:
    def make_form(account: Account, today: date) -> django_forms.Form:
        return PlanForm(
            request.POST,
            options=options_for(account, today=today),
            prefix=f"plan-{account.pk}",
        )

    def perform(account: Account, data: dict[str, Any], agent: str) -> str:
        debt_actions.agree_plan(
            account,
            option_key=data["option"],
            today=_today(account.customer),
            channel="console",
            actor=AGENT,
            actor_name=agent,
        )
        return _("Payment plan agreed.")

    return _account_action(
        request, customer_id, account_id, "agree_plan", make_form, perform, "plan"
    )


# A payment entered by its day is recorded at this local time (``payment_moment``).
PAYMENT_HOUR = time(12, 0)


def payment_moment(paid_on: date, zone: ZoneInfo, *, now: datetime | None = None) -> datetime:
    """When a payment entered by its day was made: noon (local) that day, but never later than
    now (a payment of today entered in the morning is not in the future). The form refuses
    future days."""
    now = now or timezone.now()
    return min(datetime.combine(paid_on, PAYMENT_HOUR, tzinfo=zone), now.astimezone(zone))


@requires(Capability.ACT_ON_ACCOUNTS)
@require_POST
def payment(request: HttpRequest, customer_id: int, account_id: int) -> HttpResponse:
    def perform(account: Account, data: dict[str, Any], agent: str) -> str:
        _payment, new = debt_actions.record_payment(
            account,
            amount=data["amount"],
            paid_at=payment_moment(data["paid_on"], ZoneInfo(account.creditor.timezone)),
            reference=data["reference"],
            method=data["method"],
            channel="console",
            actor=AGENT,
            actor_name=agent,
        )
        if not new:
            return _("A payment with that reference was already recorded: nothing was added.")
        return _("Payment recorded.")

    return _account_action(
        request,
        customer_id,
        account_id,
        "record_payment",
        lambda account, today: PaymentForm(
            request.POST, account=account, today=today, prefix=f"payment-{account.pk}"
        ),
        perform,
        "payment",
    )


@requires(Capability.ACT_ON_ACCOUNTS)
@require_POST
def note(request: HttpRequest, customer_id: int, account_id: int) -> HttpResponse:
    def perform(account: Account, data: dict[str, Any], agent: str) -> str:
        debt_actions.add_note(account, text=data["text"], actor=AGENT, actor_name=agent)
        return _("Note saved.")

    return _account_action(
        request,
        customer_id,
        account_id,
        "add_note",
        lambda account, today: NoteForm(request.POST, prefix=f"note-{account.pk}"),
        perform,
        "note",
    )


@requires(Capability.ACT_ON_ACCOUNTS)
@require_POST
def dispute(request: HttpRequest, customer_id: int, account_id: int) -> HttpResponse:
    def perform(account: Account, data: dict[str, Any], agent: str) -> str:
        debt_actions.open_dispute(
            account, reason=data["reason"], channel="console", actor=AGENT, actor_name=agent
        )
        return _("Dispute opened: collection contact about this account is on hold.")

    return _account_action(
        request,
        customer_id,
        account_id,
        "open_dispute",
        lambda account, today: DisputeForm(request.POST, prefix=f"dispute-{account.pk}"),
        perform,
        "dispute",
    )


@requires(Capability.ACT_ON_ACCOUNTS)
@require_POST
def payment_link(request: HttpRequest, customer_id: int, account_id: int) -> HttpResponse:
    def perform(account: Account, data: dict[str, Any], agent: str) -> str:
        message, new = debt_actions.send_payment_link(
            account, channel=data["channel"], actor_name=agent
        )
        if not new:
            return _("A payment link already went on this channel today: nothing new was sent.")
        if message.send_after is not None and message.send_after > timezone.now():
            return _("Payment link queued: the contact policy lets it go at %(when)s.") % {
                "when": timezone.localtime(message.send_after).strftime("%Y-%m-%d %H:%M")
            }
        return _("Payment link queued.")

    return _account_action(
        request,
        customer_id,
        account_id,
        "send_payment_link",
        lambda account, today: PaymentLinkForm(
            request.POST,
            channels=_payment_link_channels(account.customer),
            prefix=f"link-{account.pk}",
        ),
        perform,
        "payment_link",
    )


def _customer_action(
    request: HttpRequest,
    customer_id: int,
    action: str,
    panel: str,
    make_form: Callable[[Customer], django_forms.Form],
    perform: Callable[[Customer, dict[str, Any], str], tuple[str, Account | None]],
    bound_key: str,
) -> HttpResponse:
    found = _customer(customer_id)
    form = make_form(found)
    if form.is_valid():
        try:
            text, account = perform(found, form.cleaned_data, request.user.get_username())
        except ValueError as refused:
            form.add_error(None, _refusal_text(refused))
        else:
            record_audit(
                request.user,
                AuditAction.ACTED,
                request=request,
                customer=found,
                account=account,
                detail={"action": action},
            )
            return _respond(request, found, panel=panel, message=text)
    return _respond(request, found, panel=panel, bound={(bound_key, None): form})


def _offered_channels(customer: Customer) -> list[str]:
    media = set(customer.contact_points.values_list("medium", flat=True))
    return [
        channel
        for channel in CONTACT_CHANNELS
        if any(channel in CHANNELS_BY_MEDIUM.get(medium, ()) for medium in media)
    ]


@requires(Capability.ACT_ON_ACCOUNTS)
@require_POST
def preferences(request: HttpRequest, customer_id: int) -> HttpResponse:
    offered: list[str] = []

    def make_form(found: Customer) -> django_forms.Form:
        offered.extend(_offered_channels(found))
        return PreferencesForm(request.POST, channels=offered, prefix="preferences")

    def perform(found: Customer, data: dict[str, Any], agent: str) -> tuple[str, None]:
        changed = update_preferences(
            found,
            accepted_channels=data["accepted_channels"],
            preferred_channel=data["preferred_channel"],
            hours_start=data["hours_start"],
            hours_end=data["hours_end"],
            source=f"agent {agent}"[:100],
            asked=offered,
        )
        if changed:
            return _("Preferences saved; consent changed for: %(channels)s.") % {
                "channels": ", ".join(changed)
            }, None
        return _("Preferences saved."), None

    return _customer_action(
        request, customer_id, "update_preferences", "contact", make_form, perform, "preferences"
    )


@requires(Capability.ACT_ON_ACCOUNTS)
@require_POST
def opt_out_view(request: HttpRequest, customer_id: int) -> HttpResponse:
    def perform(found: Customer, data: dict[str, Any], agent: str) -> tuple[str, None]:
        written = opt_out(found, channel=data["channel"], source=f"agent {agent}"[:100])
        if not written:
            return _("The customer was already opted out of that channel: nothing changed."), None
        return _("Opted out of the channel on every contact point that carries it."), None

    return _customer_action(
        request,
        customer_id,
        "opt_out",
        "contact",
        lambda found: OptOutForm(request.POST, prefix="opt-out"),
        perform,
        "opt_out",
    )


class _NoFields(django_forms.Form):
    pass


@requires(Capability.ACT_ON_ACCOUNTS)
@require_POST
def statement(request: HttpRequest, customer_id: int) -> HttpResponse:
    def perform(found: Customer, data: dict[str, Any], agent: str) -> tuple[str, None]:
        message = send_statement(found, today=_today(found), actor=AGENT, channel="console")
        if message is None:
            raise ValueError(
                _(
                    "The customer has no active e-mail address on file: add one before "
                    "sending a statement."
                )
            )
        return _("Statement queued to the e-mail on file."), None

    return _customer_action(
        request,
        customer_id,
        "send_statement",
        "contact",
        lambda found: _NoFields(request.POST),
        perform,
        "statement",
    )


@requires(Capability.ACT_ON_ACCOUNTS)
@require_POST
def hold(request: HttpRequest, customer_id: int) -> HttpResponse:
    def make_form(found: Customer) -> django_forms.Form:
        return HoldForm(
            request.POST, accounts=found.accounts.order_by("external_id"), prefix="hold"
        )

    def perform(found: Customer, data: dict[str, Any], agent: str) -> tuple[str, Account | None]:
        account = _account(found, int(data["account"])) if data.get("account") else None
        debt_actions.place_hold(
            found,
            kind=data["kind"],
            account=account,
            note=data["note"],
            actor=AGENT,
            actor_name=agent,
        )
        return _("Hold placed: collection contact stops until it is released."), account

    return _customer_action(request, customer_id, "place_hold", "holds", make_form, perform, "hold")


@requires(Capability.ACT_ON_ACCOUNTS)
@require_POST
def release(request: HttpRequest, customer_id: int, hold_id: int) -> HttpResponse:
    found = _customer(customer_id)
    held = Hold.objects.filter(pk=hold_id, customer=found).select_related("account").first()
    if held is None:
        raise Http404
    was_open = held.released_at is None
    debt_actions.release_hold(held, actor=AGENT, actor_name=request.user.get_username())
    record_audit(
        request.user,
        AuditAction.ACTED,
        request=request,
        customer=found,
        account=held.account,
        detail={"action": "release_hold"},
    )
    text = _("Hold released.") if was_open else _("That hold was already released.")
    return _respond(request, found, panel="holds", message=text)


urlpatterns = [
    path("customers/", customers, name="customers"),
    path("customers/<int:customer_id>/", customer, name="customer"),
    path("customers/<int:customer_id>/timeline/", timeline, name="customer_timeline"),
    path("customers/<int:customer_id>/preferences/", preferences, name="customer_preferences"),
    path("customers/<int:customer_id>/opt-out/", opt_out_view, name="customer_opt_out"),
    path("customers/<int:customer_id>/statement/", statement, name="customer_statement"),
    path("customers/<int:customer_id>/holds/", hold, name="customer_hold"),
    path(
        "customers/<int:customer_id>/holds/<int:hold_id>/release/",
        release,
        name="customer_release_hold",
    ),
    path(
        "customers/<int:customer_id>/accounts/<int:account_id>/promise/",
        promise,
        name="customer_promise",
    ),
    path(
        "customers/<int:customer_id>/accounts/<int:account_id>/plan-options/",
        plan_options,
        name="customer_plan_options",
    ),
    path(
        "customers/<int:customer_id>/accounts/<int:account_id>/plan/",
        plan,
        name="customer_plan",
    ),
    path(
        "customers/<int:customer_id>/accounts/<int:account_id>/payment/",
        payment,
        name="customer_payment",
    ),
    path(
        "customers/<int:customer_id>/accounts/<int:account_id>/note/",
        note,
        name="customer_note",
    ),
    path(
        "customers/<int:customer_id>/accounts/<int:account_id>/dispute/",
        dispute,
        name="customer_dispute",
    ),
    path(
        "customers/<int:customer_id>/accounts/<int:account_id>/payment-link/",
        payment_link,
        name="customer_payment_link",
    ),
]
