"""Segment rules editor: the ordered rules of a creditor, a live count while typing, moves."""

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from recaudo.console.access import requires
from recaudo.console.forms.strategy import SegmentRuleForm
from recaudo.console.views.strategy_common import (
    audit_edit,
    choose_creditor,
    first_submission,
    page_context,
    posted_creditor,
    unknown_creditor,
)
from recaudo.customers.models import CustomerType
from recaudo.debts.models import Creditor, ProductType, Stage
from recaudo.portfolio.actions import (
    move_segment_rule,
    ordered_rules,
    save_segment_rule,
    set_segment_rule_active,
)
from recaudo.portfolio.io.refresh import today_for
from recaudo.portfolio.models import SegmentRule
from recaudo.portfolio.queries import (
    accounts_of,
    current_segments,
    matching_count,
    rule_condition,
    rule_counts,
)
from recaudo.staff.roles import Capability


def _number(value: Any) -> str:
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    return str(value)


def _range(label: str, low: Any, high: Any) -> str | None:
    if low is None and high is None:
        return None
    if low is not None and high is not None:
        return f"{label} {_number(low)} - {_number(high)}"
    if low is not None:
        return f"{label} ≥ {_number(low)}"
    return f"{label} ≤ {_number(high)}"


def conditions_text(rule: SegmentRule) -> list[str]:
    """The rule's conditions in words, one per condition ("any account" when none)."""
    labels = {
        **dict(CustomerType.choices),
        **dict(ProductType.choices),
        **dict(Stage.choices),
    }
    parts = [
        _range(_("balance"), rule.min_balance, rule.max_balance),
        _range(_("tenure (months)"), rule.min_tenure_months, rule.max_tenure_months),
        _range(_("days past due"), rule.min_days_past_due, rule.max_days_past_due),
        _range(_("score"), rule.min_score, rule.max_score),
    ]
    for title, values in (
        (_("customer types"), rule.customer_types),
        (_("product types"), rule.product_types),
        (_("stages"), rule.stages),
    ):
        if values:
            parts.append(f"{title}: " + ", ".join(str(labels.get(v, v)) for v in values))
    found = [part for part in parts if part]
    return found or [_("any account")]


def _editing(request: HttpRequest, rules: list[SegmentRule]) -> SegmentRule | None:
    wanted = request.GET.get("rule") or request.POST.get("rule_id") or ""
    return next((rule for rule in rules if str(rule.pk) == wanted), None)


def _render_page(
    request: HttpRequest,
    creditors: list[Creditor],
    creditor: Creditor | None,
    *,
    form: SegmentRuleForm | None = None,
    editing: SegmentRule | None = None,
    status: int = 200,
) -> HttpResponse:
    context = page_context(request, "segments", creditors, creditor)
    if creditor is not None:
        rules = ordered_rules(creditor)
        as_of = today_for(creditor)
        counts, unmatched = rule_counts(creditor, rules, as_of=as_of)
        context |= {
            "as_of": as_of,
            "rows": [
                {"rule": rule, "conditions": conditions_text(rule), "count": counts[index]}
                for index, rule in enumerate(rules)
            ],
            "unmatched": unmatched,
            "segments": current_segments(creditor),
        }
        wants_form = editing is not None or request.GET.get("new") == "1" or form is not None
        if context["can_edit"] and wants_form:
            form = form or SegmentRuleForm(instance=editing, creditor=creditor)
            context |= {"form": form, "editing": editing}
    return render(request, "console/strategy/segments.html", context, status=status)


@requires(Capability.VIEW_STRATEGY)
def segments(request: HttpRequest) -> HttpResponse:
    creditors, creditor = choose_creditor(request)
    editing = None
    if creditor is not None and request.GET.get("rule"):
        editing = _editing(request, ordered_rules(creditor))
    return _render_page(request, creditors, creditor, editing=editing)


@requires(Capability.EDIT_STRATEGY)
@require_POST
def segment_count(request: HttpRequest) -> HttpResponse:
    """The live count of the rule being typed (not saved): the accounts it would take, after
    the earlier active rules took theirs, and the accounts it matches on its own."""
    _creditors, creditor = posted_creditor(request)
    if creditor is None:
        return unknown_creditor(request)
    rules = ordered_rules(creditor)
    editing = _editing(request, rules)
    form = SegmentRuleForm(request.POST, instance=editing, creditor=creditor)
    context: dict[str, Any] = {"form": form}
    rule = form.unsaved_rule()
    if rule is not None:
        as_of = today_for(creditor)
        if editing is None:
            rule.position = (rules[-1].position + 1) if rules else 1
            rules.append(rule)
            index = len(rules) - 1
        else:
            index = next(i for i, item in enumerate(rules) if item.pk == editing.pk)
            rules[index] = rule
        context |= {
            "parsed": True,
            "count": matching_count(creditor, rules, index, as_of=as_of),
            "alone": accounts_of(creditor).filter(rule_condition(rule, as_of=as_of)).count(),
            "active": rule.active,
        }
    return render(request, "console/strategy/_segment_count.html", context)


@requires(Capability.EDIT_STRATEGY)
@require_POST
def segment_save(request: HttpRequest) -> HttpResponse:
    creditors, creditor = posted_creditor(request)
    if creditor is None:
        return unknown_creditor(request)
    editing = _editing(request, ordered_rules(creditor))
    back = f"{reverse('console:segments')}?creditor={creditor.pk}"
    if not first_submission(request):
        return redirect(back)
    form = SegmentRuleForm(request.POST, instance=editing, creditor=creditor)
    if not form.is_valid():
        return _render_page(request, creditors, creditor, form=form, editing=editing, status=400)
    original = SegmentRule.objects.get(pk=editing.pk) if editing else None
    rule, changes = save_segment_rule(creditor, rule=original, **form.values())
    audit_edit(
        request, creditor_id=creditor.pk, what="segment_rule", object_id=rule.pk, changes=changes
    )
    messages.success(
        request,
        _("Rule «%(segment)s» saved. Accounts change segment at the next refresh.")
        % {"segment": rule.segment},
    )
    return redirect(back)


@requires(Capability.EDIT_STRATEGY)
@require_POST
def segment_move(request: HttpRequest, rule_id: int) -> HttpResponse:
    rule = get_object_or_404(SegmentRule, pk=rule_id)
    try:
        to_index = int(request.POST.get("to_index", ""))
    except ValueError:
        to_index = -1
    if to_index >= 0:
        changes = move_segment_rule(rule, to_index=to_index)
        audit_edit(
            request,
            creditor_id=rule.creditor_id,
            what="segment_rule",
            object_id=rule.pk,
            changes=changes,
        )
    return redirect(f"{reverse('console:segments')}?creditor={rule.creditor_id}")


@requires(Capability.EDIT_STRATEGY)
@require_POST
def segment_active(request: HttpRequest, rule_id: int) -> HttpResponse:
    rule = get_object_or_404(SegmentRule, pk=rule_id)
    active = request.POST.get("active") == "1"
    changes = set_segment_rule_active(rule, active=active)
    audit_edit(
        request,
        creditor_id=rule.creditor_id,
        what="segment_rule",
        object_id=rule.pk,
        changes=changes,
    )
    if changes:
        messages.success(
            request,
            (_("Rule «%(segment)s» activated.") if active else _("Rule «%(segment)s» deactivated."))
            % {"segment": rule.segment},
        )
    return redirect(f"{reverse('console:segments')}?creditor={rule.creditor_id}")


urlpatterns = [
    path("strategy/segments/", segments, name="segments"),
    path("strategy/segments/count/", segment_count, name="segment_count"),
    path("strategy/segments/save/", segment_save, name="segment_save"),
    path("strategy/segments/<int:rule_id>/move/", segment_move, name="segment_move"),
    path("strategy/segments/<int:rule_id>/active/", segment_active, name="segment_active"),
]
