"""The compliance officer's screens, all read-only: the access audit log (and its CSV export),
the messages the contact policy blocked, the planner's and the policy's explanation of one
account's contacts, and a customer's consent history.

Views parse the filters, call the queries (``recaudo.staff.queries``, ``recaudo.policy.queries``,
``recaudo.strategies.planning.explain``) and render; opening a customer's data is audited.
"""

import csv
import datetime as dt
import json
import zoneinfo
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from recaudo.channels.models import Message
from recaudo.console.access import requires
from recaudo.console.forms.compliance import (
    AccountLookupForm,
    AsOfForm,
    AuditFilterForm,
    BlockedFilterForm,
    CustomerLookupForm,
)
from recaudo.customers.models import Consent, ContactPoint, ContactPointStatus, Customer, Medium
from recaudo.debts.models import Account
from recaudo.lib.masking import mask_address, mask_tail
from recaudo.lib.spreadsheet import safe_cell
from recaudo.policy.jurisdictions import UnknownJurisdiction
from recaudo.policy.queries import (
    BlockedFilter,
    RuleDescription,
    counts_by_rule,
    decisions_now,
    describe_rule,
    known_rules,
    reasons_of,
    refused_messages,
)
from recaudo.policy.types import Decision
from recaudo.portfolio.io.refresh import today_for
from recaudo.staff.actions import record_audit
from recaudo.staff.models import AuditAction, AuditEntry
from recaudo.staff.queries import AuditFilter, audit_detail_lines, audit_entries
from recaudo.staff.roles import Capability
from recaudo.strategies import planner, planning
from recaudo.strategies.models import Strategy
from recaudo.strategies.planning import reason_label

PAGE_SIZE = 50
RECENT_MESSAGES = 20
CURSOR = "after"


# Helpers --------------------------------------------------------------------------------


def customer_url(customer_id: int) -> str:
    """The customer's page (``console:customer``, owned by the customers area)."""
    try:
        return reverse("console:customer", args=[customer_id])
    except NoReverseMatch:
        return f"/console/customers/{customer_id}/"


def masked(value: str, medium: str = "") -> str:
    """A contact point or an address shown enough to recognise it, not to copy it."""
    if not value:
        return ""
    if medium in (Medium.PHONE, Medium.EMAIL) or "@" in value or value.startswith("+"):
        return mask_address(value)
    return mask_tail(value)


def _cursor_of(moment: dt.datetime, pk: int) -> str:
    return f"{moment.isoformat()}|{pk}"


def _parse_cursor(text: str | None) -> tuple[dt.datetime, int] | None:
    if not text or "|" not in text:
        return None
    moment, _bar, pk = text.rpartition("|")
    try:
        parsed = dt.datetime.fromisoformat(moment)
        return (parsed, int(pk)) if parsed.tzinfo is not None else None
    except ValueError:
        return None


def keyset_page(
    rows: QuerySet[Any], request: HttpRequest, field_name: str
) -> tuple[list[Any], str | None]:
    """One page of ``rows`` (ordered by ``-field_name, -id``) after the request's cursor, and the
    query string of the next (older) page, or None on the last page. No COUNT query."""
    cursor = _parse_cursor(request.GET.get(CURSOR))
    if cursor is not None:
        moment, pk = cursor
        rows = rows.filter(
            Q(**{f"{field_name}__lt": moment}) | Q(**{field_name: moment, "id__lt": pk})
        )
    found = list(rows[: PAGE_SIZE + 1])
    if len(found) <= PAGE_SIZE:
        return found, None
    last = found[PAGE_SIZE - 1]
    params = request.GET.copy()
    params[CURSOR] = _cursor_of(getattr(last, field_name), last.pk)
    return found[:PAGE_SIZE], params.urlencode()


def _first_page_query(request: HttpRequest) -> str | None:
    if CURSOR not in request.GET:
        return None
    params = request.GET.copy()
    del params[CURSOR]
    return params.urlencode()


def _local(moment: dt.datetime | None, zone_name: str) -> dt.datetime | None:
    if moment is None:
        return None
    try:
        return moment.astimezone(zoneinfo.ZoneInfo(zone_name))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return timezone.localtime(moment)


class _Echo:
    def write(self, value: str) -> str:
        return value


# 1. The access audit log ------------------------------------------------------------------


def _audit_filter(form: AuditFilterForm) -> AuditFilter:
    data = form.cleaned_data
    creditor = data.get("creditor")
    return AuditFilter(
        username=data.get("username") or "",
        action=data.get("action") or "",
        customer=data.get("customer") or "",
        creditor_id=creditor.pk if creditor is not None else None,
        since=data.get("since"),
        until=data.get("until"),
        zone=creditor.timezone if creditor is not None else timezone.get_current_timezone_name(),
    )


def _audit_form(request: HttpRequest) -> tuple[AuditFilterForm, AuditFilter | None]:
    form = AuditFilterForm(request.GET)
    if not form.is_valid():
        return form, None
    return form, _audit_filter(form)


@requires(Capability.VIEW_COMPLIANCE)
def audit_log(request: HttpRequest) -> HttpResponse:
    form, filters = _audit_form(request)
    entries: list[AuditEntry] = []
    next_query = None
    if filters is not None:
        entries, next_query = keyset_page(audit_entries(filters), request, "at")
    export_params = request.GET.copy()
    export_params.pop(CURSOR, None)
    return render(
        request,
        "console/compliance/audit_log.html",
        {
            "form": form,
            "entries": entries,
            # Each line with its detail in words (``key: value``, ``field: before → after``).
            "rows": [(entry, audit_detail_lines(entry.detail)) for entry in entries],
            "next_query": next_query,
            "first_query": _first_page_query(request),
            "export_query": export_params.urlencode(),
            "section": "audit",
        },
    )


def _audit_rows(entries: QuerySet[AuditEntry]) -> Iterator[list[str]]:
    yield [
        _("when"),
        _("user name"),
        _("action"),
        _("creditor"),
        _("customer"),
        _("account"),
        _("page"),
        _("IP address"),
        _("detail"),
    ]
    for entry in entries.iterator(chunk_size=2000):
        yield [
            safe_cell(value)  # a user name or a path may start with "=": never a formula
            for value in (
                timezone.localtime(entry.at).isoformat(),
                entry.username,
                entry.get_action_display(),
                entry.creditor.slug if entry.creditor else "",
                entry.customer.external_id if entry.customer else "",
                entry.account.external_id if entry.account else "",
                entry.path,
                entry.ip or "",
                json.dumps(entry.detail, ensure_ascii=False, sort_keys=True),
            )
        ]


@requires(Capability.VIEW_COMPLIANCE)
def audit_log_export(request: HttpRequest) -> HttpResponseBase:
    """The filtered audit lines as CSV (every page); the export itself is audited."""
    form, filters = _audit_form(request)
    if filters is None:
        return render(
            request,
            "console/compliance/audit_log.html",
            {"form": form, "entries": [], "section": "audit"},
            status=400,
        )
    given = {key: value for key, value in request.GET.items() if value and key != CURSOR}
    record_audit(
        request.user,
        AuditAction.EXPORTED,
        request=request,
        creditor_id=filters.creditor_id,
        detail={"export": "audit_log", "filters": given},
    )
    writer = csv.writer(_Echo())
    body = (writer.writerow(row) for row in _audit_rows(audit_entries(filters)))
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = StreamingHttpResponse(_with_bom(body), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="audit-log-{stamp}.csv"'
    return response


def _with_bom(lines: Iterator[str]) -> Iterator[str]:
    yield "\ufeff"  # spreadsheets then read the file as UTF-8
    yield from lines


# 2. Blocked messages --------------------------------------------------------------------


@dataclass
class RefusedRow:
    message: Message
    rule: RuleDescription
    reasons: list[str]
    now: Decision | None
    next_allowed_at: dt.datetime | None
    zone: str
    explain_query: str = ""
    customer_link: str = ""


def _blocked_filter(form: BlockedFilterForm) -> BlockedFilter:
    data = form.cleaned_data
    creditor = data.get("creditor")
    return BlockedFilter(
        creditor_id=creditor.pk if creditor is not None else None,
        channel=data.get("channel") or "",
        rule=(data.get("rule") or "").strip(),
        status=data.get("status") or "",
        since=data.get("since"),
        until=data.get("until"),
        zone=creditor.timezone if creditor is not None else timezone.get_current_timezone_name(),
    )


@requires(Capability.VIEW_COMPLIANCE)
def blocked_messages(request: HttpRequest) -> HttpResponse:
    form = BlockedFilterForm(request.GET)
    rows: list[RefusedRow] = []
    counts: list[tuple[RuleDescription, int]] = []
    next_query = None
    if form.is_valid():
        filters = _blocked_filter(form)
        counts = counts_by_rule(filters)
        messages, next_query = keyset_page(
            refused_messages(filters).select_related("creditor", "customer", "account"),
            request,
            "created_at",
        )
        now = timezone.now()
        decided = decisions_now(messages, at=now)
        for message in messages:
            zone = (
                message.customer.timezone
                if message.customer is not None
                else message.creditor.timezone
            )
            decision = decided.get(message.pk)
            next_at = None
            if decision is not None:
                next_at = now if decision.allowed else decision.next_allowed_at
            as_of = _local(message.created_at, message.creditor.timezone)
            rows.append(
                RefusedRow(
                    message=message,
                    rule=describe_rule(message.policy_rule),
                    reasons=reasons_of(message),
                    now=decision,
                    next_allowed_at=_local(next_at, zone),
                    zone=zone,
                    explain_query=f"as_of={as_of.date().isoformat()}" if as_of else "",
                    customer_link=customer_url(message.customer_id) if message.customer_id else "",
                )
            )
    rule_params = request.GET.copy()
    rule_params.pop(CURSOR, None)
    rule_params.pop("rule", None)
    cancelled_params = rule_params.copy()
    cancelled_params["status"] = "cancelled"
    return render(
        request,
        "console/compliance/blocked.html",
        {
            "form": form,
            "rows": rows,
            "counts": counts,
            "total": sum(count for _rule, count in counts),
            "rule_query": rule_params.urlencode(),
            "cancelled_query": cancelled_params.urlencode(),
            "known_rules": known_rules(),
            "next_query": next_query,
            "first_query": _first_page_query(request),
            "section": "blocked",
        },
    )


# 3. Explain an account's contacts --------------------------------------------------------


def _trigger_text(item: planning.StepExplanation) -> str:
    if item.trigger == "stage_entry":
        return _("%(days)+d days after entering the stage") % {"days": item.offset_days}
    if item.trigger == "promise_broken":
        return _("%(days)+d days after a promise was broken") % {"days": item.offset_days}
    return _("%(days)+d days from the due date") % {"days": item.offset_days}


@dataclass
class StepRow:
    item: planning.StepExplanation
    trigger: str
    reason: str
    fires: bool
    task: bool = False
    address: str = ""
    rule: RuleDescription | None = None
    send_after: dt.datetime | None = None
    next_allowed_at: dt.datetime | None = None


def _step_rows(explanations: list[planning.StepExplanation], zone: str) -> list[StepRow]:
    rows = []
    for item in explanations:
        fires = item.reason == planner.FIRES
        decision = item.decision
        rows.append(
            StepRow(
                item=item,
                trigger=_trigger_text(item),
                reason=reason_label(item.reason),
                fires=fires,
                task=fires and decision is None,
                address=masked(item.address),
                rule=describe_rule(decision.rule) if decision is not None else None,
                send_after=_local(item.send_after, zone),
                next_allowed_at=(
                    _local(decision.next_allowed_at, zone) if decision is not None else None
                ),
            )
        )
    return rows


@dataclass
class MessageRow:
    message: Message
    address: str
    rule: RuleDescription | None
    reasons: list[str] = field(default_factory=list)


def _message_rows(messages: list[Message]) -> list[MessageRow]:
    return [
        MessageRow(
            message=message,
            address=masked(message.address),
            rule=describe_rule(message.policy_rule) if message.policy_rule else None,
            reasons=reasons_of(message) if message.policy_rule or message.error else [],
        )
        for message in messages
    ]


@requires(Capability.VIEW_COMPLIANCE)
def account_explain(request: HttpRequest, account_id: int) -> HttpResponse:
    account = get_object_or_404(
        Account.objects.select_related("creditor", "customer"), pk=account_id
    )
    form = AsOfForm(request.GET)
    as_of = form.cleaned_data.get("as_of") if form.is_valid() else None
    as_of = as_of or today_for(account.creditor)
    customer = account.customer
    zone = customer.timezone or account.creditor.timezone
    error = ""
    steps: list[StepRow] = []
    strategy = None
    try:
        explanations = planning.explain(account, as_of=as_of)
    except UnknownJurisdiction as unknown:
        explanations = []
        error = _(
            "The contact policy does not know this customer's country (%(problem)s): correct "
            "the customer's country or region."
        ) % {"problem": unknown}
    if explanations:
        strategy = Strategy.objects.filter(pk=explanations[0].strategy_id).first()
        steps = _step_rows(explanations, zone)
    messages = list(
        account.messages.select_related("strategy").order_by("-created_at", "-id")[:RECENT_MESSAGES]
    )
    record_audit(
        request.user,
        AuditAction.VIEWED_CUSTOMER,
        request=request,
        account=account,
        detail={"view": "explain", "as_of": as_of.isoformat()},
    )
    return render(
        request,
        "console/compliance/explain.html",
        {
            "account": account,
            "customer": customer,
            "customer_link": customer_url(customer.pk),
            "form": form,
            "as_of": as_of,
            "zone": zone,
            "strategy": strategy,
            "variant": explanations[0].variant if explanations else "",
            "steps": steps,
            "messages_rows": _message_rows(messages),
            "error": error,
            "section": "explain",
        },
    )


@requires(Capability.VIEW_COMPLIANCE)
def explain_lookup(request: HttpRequest) -> HttpResponse:
    """Find an account by its external id (and creditor) and open its explanation."""
    form = AccountLookupForm(request.GET or None)
    matches: list[Account] = []
    if form.is_bound and form.is_valid():
        accounts = Account.objects.filter(
            external_id=form.cleaned_data["account"].strip()
        ).select_related("creditor", "customer")
        if form.cleaned_data.get("creditor") is not None:
            accounts = accounts.filter(creditor=form.cleaned_data["creditor"])
        matches = list(accounts.order_by("creditor__name")[:20])
        if len(matches) == 1:
            return redirect("console:account_explain", account_id=matches[0].pk)
        if not matches:
            form.add_error(
                "account",
                _(
                    "No account has the external id %(account)s%(where)s: check the id, or "
                    "choose another creditor."
                )
                % {
                    "account": form.cleaned_data["account"],
                    "where": (
                        _(" at %(creditor)s") % {"creditor": form.cleaned_data["creditor"].name}
                        if form.cleaned_data.get("creditor")
                        else ""
                    ),
                },
            )
    return render(
        request,
        "console/compliance/explain_lookup.html",
        {"form": form, "matches": matches, "section": "explain"},
    )


# 4. Consent history -------------------------------------------------------------------


@dataclass
class ConsentRow:
    consent: Consent
    in_force: bool


@dataclass
class PointHistory:
    point: ContactPoint
    value: str
    opted_out: bool
    current: list[Consent]
    history: list[ConsentRow]


def consent_histories(points: list[ContactPoint], consents: list[Consent]) -> list[PointHistory]:
    """Per contact point: its consent rows newest first, the one in force per channel and
    purpose marked (the newest), and the current ones."""
    by_point: dict[int, list[Consent]] = {point.pk: [] for point in points}
    for consent in consents:  # newest first
        by_point.setdefault(consent.contact_point_id, []).append(consent)
    found = []
    for point in points:
        seen: set[tuple[str, str]] = set()
        rows = []
        current = []
        for consent in by_point.get(point.pk, []):
            key = (consent.channel, consent.purpose)
            in_force = key not in seen
            seen.add(key)
            rows.append(ConsentRow(consent, in_force))
            if in_force:
                current.append(consent)
        current.sort(key=lambda consent: (consent.purpose, consent.channel))
        found.append(
            PointHistory(
                point=point,
                value=masked(point.value, point.medium),
                opted_out=point.status == ContactPointStatus.OPTED_OUT,
                current=current,
                history=rows,
            )
        )
    return found


@requires(Capability.VIEW_COMPLIANCE)
def customer_consents(request: HttpRequest, customer_id: int) -> HttpResponse:
    customer = get_object_or_404(Customer.objects.select_related("creditor"), pk=customer_id)
    points = list(customer.contact_points.order_by("medium", "id"))
    consents = list(Consent.objects.filter(contact_point__customer=customer).order_by("-at", "-id"))
    policy: dict[str, Any] | None = None
    try:
        from recaudo.policy.context import load_policy_inputs

        inputs = load_policy_inputs([customer.pk], at=timezone.now()).get(customer.pk)
        if inputs is not None:
            policy = {
                "jurisdiction": inputs.jurisdiction,
                "authorised": inputs.authorised_channels,
                "opted_out": inputs.opted_out_channels,
                "holds": inputs.holds,
            }
    except (ValueError, KeyError):  # an unknown country or zone: shown as unknown
        policy = None
    record_audit(
        request.user,
        AuditAction.VIEWED_CUSTOMER,
        request=request,
        customer=customer,
        detail={"view": "consents"},
    )
    return render(
        request,
        "console/compliance/consents.html",
        {
            "customer": customer,
            "customer_link": customer_url(customer.pk),
            "document": mask_tail(customer.document_number),
            "histories": consent_histories(points, consents),
            "policy": policy,
            "section": "consents",
        },
    )


@requires(Capability.VIEW_COMPLIANCE)
def consent_lookup(request: HttpRequest) -> HttpResponse:
    """Find a customer by external id or document number and open the consent history."""
    form = CustomerLookupForm(request.GET or None)
    matches: list[Customer] = []
    if form.is_bound and form.is_valid():
        text = form.cleaned_data["q"].strip()
        matches = list(
            Customer.objects.filter(Q(external_id=text) | Q(document_number=text))
            .select_related("creditor")
            .order_by("creditor__name", "id")[:20]
        )
        if len(matches) == 1:
            return redirect("console:customer_consents", customer_id=matches[0].pk)
        if not matches:
            form.add_error(
                "q",
                _(
                    "No customer has the external id or document %(text)s: check it (the "
                    "whole id or number, without dots)."
                )
                % {"text": text},
            )
    rows = [(customer, mask_tail(customer.document_number)) for customer in matches]
    return render(
        request,
        "console/compliance/consent_lookup.html",
        {"form": form, "rows": rows, "section": "consents"},
    )


urlpatterns = [
    path("compliance/audit/", audit_log, name="audit_log"),
    path("compliance/audit/export/", audit_log_export, name="audit_log_export"),
    path("compliance/blocked/", blocked_messages, name="blocked_messages"),
    path("compliance/accounts/", explain_lookup, name="explain_lookup"),
    path(
        "compliance/accounts/<int:account_id>/explain/",
        account_explain,
        name="account_explain",
    ),
    path("compliance/customers/", consent_lookup, name="consent_lookup"),
    path(
        "compliance/customers/<int:customer_id>/consents/",
        customer_consents,
        name="customer_consents",
    ),
]
