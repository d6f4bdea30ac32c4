"""Writes on a creditor's segmentation rules: save (validated), move, activate or deactivate.

The rules take effect at the next refresh, which recomputes every account's segment. Each
action returns what it changed (field -> [before, after]) for the caller's audit line.
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from recaudo.customers.models import CustomerType
from recaudo.debts.models import Creditor, ProductType, Stage
from recaudo.lib.changes import Changes, field_changes, plain
from recaudo.portfolio.models import SegmentRule

RULE_FIELDS = (
    "segment",
    "description",
    "active",
    "min_balance",
    "max_balance",
    "min_tenure_months",
    "max_tenure_months",
    "min_days_past_due",
    "max_days_past_due",
    "min_score",
    "max_score",
    "customer_types",
    "product_types",
    "stages",
)
RANGES = (
    ("min_balance", "max_balance"),
    ("min_tenure_months", "max_tenure_months"),
    ("min_days_past_due", "max_days_past_due"),
    ("min_score", "max_score"),
)
CHOICES = (
    ("customer_types", CustomerType.values),
    ("product_types", ProductType.values),
    ("stages", Stage.values),
)


def segment_rule_errors(rule: SegmentRule) -> dict[str, list[str]]:
    """What is wrong with ``rule`` (field -> messages); empty when it can be saved."""
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if not (rule.segment or "").strip():
        add("segment", _("Name the segment the matching accounts go to, e.g. «early-cards»."))
    for lowest, highest in RANGES:
        low, high = getattr(rule, lowest), getattr(rule, highest)
        if low is not None and high is not None and low > high:
            add(
                highest,
                _("The maximum (%(high)s) is below the minimum (%(low)s): swap them or clear one.")
                % {"high": plain(high), "low": plain(low)},
            )
    for field in ("min_balance", "max_balance"):
        value = getattr(rule, field)
        if value is not None and value < 0:
            add(field, _("A balance bound cannot be negative."))
    for field in ("min_score", "max_score"):
        value = getattr(rule, field)
        if value is not None and not 0 <= value <= 1:
            add(field, _("A score is between 0 and 1; enter e.g. 0.4."))
    for field, allowed in CHOICES:
        values = getattr(rule, field)
        if not isinstance(values, list):
            add(field, _("Choose from the list."))
            continue
        unknown = [str(value) for value in values if value not in allowed]
        if unknown:
            add(
                field,
                _("Unknown values %(unknown)s; choose among %(allowed)s.")
                % {"unknown": ", ".join(unknown), "allowed": ", ".join(allowed)},
            )
    return errors


def _rule_values(rule: SegmentRule) -> dict[str, Any]:
    return {name: getattr(rule, name) for name in RULE_FIELDS}


@transaction.atomic
def save_segment_rule(
    creditor: Creditor, *, rule: SegmentRule | None = None, **fields: Any
) -> tuple[SegmentRule, Changes]:
    """Create a rule (at the end of the table) or change ``rule`` with ``fields``.

    Raises ``ValidationError`` (a dict by field) when the result would be invalid; returns the
    saved rule and what changed."""
    unknown = sorted(set(fields) - set(RULE_FIELDS))
    if unknown:
        raise TypeError(f"not editable rule fields: {', '.join(unknown)}")
    if rule is None:
        last = SegmentRule.objects.filter(creditor=creditor).aggregate(Max("position"))
        rule = SegmentRule(creditor=creditor, position=(last["position__max"] or 0) + 1)
        before: dict[str, Any] = {}
    else:
        rule = SegmentRule.objects.select_for_update().get(pk=rule.pk, creditor=creditor)
        before = _rule_values(rule)
    for name, value in fields.items():
        setattr(rule, name, value)
    rule.segment = (rule.segment or "").strip()
    errors = segment_rule_errors(rule)
    if errors:
        raise ValidationError(errors)
    after = _rule_values(rule)
    changes = field_changes(before, after)
    if changes or rule.pk is None:
        rule.save()
    return rule, changes


def ordered_rules(creditor: Creditor | int) -> list[SegmentRule]:
    """The creditor's rules in the engine's order (position, then id)."""
    creditor_id = creditor if isinstance(creditor, int) else creditor.pk
    return list(SegmentRule.objects.filter(creditor_id=creditor_id).order_by("position", "id"))


@transaction.atomic
def move_segment_rule(rule: SegmentRule, *, to_index: int) -> Changes:
    """Put ``rule`` at ``to_index`` (0 = first) of its creditor's table and renumber the
    positions 1, 2, 3 ...; moving to where it already is changes nothing (a double click)."""
    list(SegmentRule.objects.select_for_update().filter(creditor_id=rule.creditor_id))
    rules = ordered_rules(rule.creditor_id)
    current = next(index for index, item in enumerate(rules) if item.pk == rule.pk)
    moving = rules.pop(current)
    to_index = max(0, min(to_index, len(rules)))
    rules.insert(to_index, moving)
    changed = [item for number, item in enumerate(rules, 1) if item.position != number]
    for number, item in enumerate(rules, 1):
        item.position = number
    SegmentRule.objects.bulk_update(changed, ["position"])
    if current == to_index:
        return {}
    return {"position": [current + 1, to_index + 1]}


@transaction.atomic
def set_segment_rule_active(rule: SegmentRule, *, active: bool) -> Changes:
    """Activate or deactivate ``rule``; the same state again changes nothing."""
    updated = SegmentRule.objects.filter(pk=rule.pk).exclude(active=active).update(active=active)
    rule.active = active
    return {"active": [not active, active]} if updated else {}
