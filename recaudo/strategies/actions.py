"""Writes on templates: new versions, approval (with the content check), retirement, defaults.

An approved version is never edited: a change makes a new draft version, which is approved on
its own. Approval renders a preview with a sample customer and refuses it when the content check
finds anything for the creditor's country.
"""

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from recaudo.debts.models import Creditor
from recaudo.lib.changes import field_changes, plain
from recaudo.strategies.models import Step, Strategy, Template, TemplateStatus
from recaudo.strategies.queries import latest_version
from recaudo.strategies.templating import preview, template_errors

EDITABLE_FIELDS = (
    "name",
    "stage",
    "language",
    "subject",
    "body",
    "provider_template_name",
    "provider_template_params",
    "buttons",
)


def _check_fields(fields: dict[str, Any]) -> None:
    unknown = sorted(set(fields) - set(EDITABLE_FIELDS))
    if unknown:
        raise TypeError(f"not editable template fields: {', '.join(unknown)}")


@transaction.atomic
def create_template_version(
    creditor: Creditor, *, code: str, channel: str, **fields: Any
) -> Template:
    """Change the template ``code`` on ``channel``: a draft newest version is edited in place;
    otherwise (approved or retired, or no template yet) a new draft version is created from the
    newest one with ``fields`` applied. Raises ``ValidationError`` on unknown variables.

    The newest version is read under a row lock (``approve_template`` takes the same one) and a
    draft is changed only while it is still a draft: a version approved meanwhile is never
    turned back into a draft, the change becomes the next version instead."""
    _check_fields(fields)
    current = (
        Template.objects.select_for_update()
        .filter(creditor=creditor, code=code, channel=channel)
        .order_by("-version")
        .first()
    )
    if current is not None and current.status == TemplateStatus.DRAFT:
        for name, value in fields.items():
            setattr(current, name, value)
        if not current.name:
            current.name = code
        errors = template_errors(current)
        if errors:
            raise ValidationError(errors)
        changed = [*dict.fromkeys([*fields, "name"])]
        updated = Template.objects.filter(pk=current.pk, status=TemplateStatus.DRAFT).update(
            **{name: getattr(current, name) for name in changed}
        )
        if updated:
            return current
        # Approved (or retired) since it was read: the change is the next version.
        current.refresh_from_db()
    base = {name: getattr(current, name) for name in EDITABLE_FIELDS} if current else {}
    highest = Template.objects.filter(creditor=creditor, code=code, channel=channel).aggregate(
        Max("version")
    )["version__max"]
    template = Template(
        creditor=creditor,
        code=code,
        channel=channel,
        version=(highest or 0) + 1,
        status=TemplateStatus.DRAFT,
        **(base | fields),
    )
    if not template.name:
        template.name = code
    errors = template_errors(template)
    if errors:
        raise ValidationError(errors)
    template.save()
    return template


def approval_problems(template: Template) -> list[str]:
    """Why ``template`` cannot be approved (empty when it can), in the active language."""
    errors = template_errors(template)
    if errors:
        return errors
    result = preview(template)
    return [str(finding) for finding in result.findings]


@transaction.atomic
def approve_template(template: Template, *, by: AbstractBaseUser | None = None) -> Template:
    """Approve a draft, the latest version of its code and channel, after the content check on
    its preview; the older approved versions of the same code and channel are retired. Raises
    ``ValidationError`` with the findings (or why it is not the version to approve)."""
    template = Template.objects.select_for_update().select_related("creditor").get(pk=template.pk)
    if template.status != TemplateStatus.DRAFT:
        raise ValidationError(_("Only a draft can be approved; change it to make a new version."))
    newest = latest_version(template.creditor_id, template.code, template.channel)
    if newest is not None and newest.pk != template.pk:
        raise ValidationError(
            _(
                "Version %(version)s is not the latest version of «%(code)s» on %(channel)s: "
                "approve version %(latest)s instead."
            )
            % {
                "version": template.version,
                "code": template.code,
                "channel": template.channel,
                "latest": newest.version,
            }
        )
    problems = approval_problems(template)
    if problems:
        raise ValidationError(problems)
    Template.objects.filter(
        creditor_id=template.creditor_id,
        code=template.code,
        channel=template.channel,
        status=TemplateStatus.APPROVED,
    ).update(status=TemplateStatus.RETIRED)
    template.status = TemplateStatus.APPROVED
    template.approved_by = by if by is not None and by.pk else None  # type: ignore[assignment]
    template.approved_at = timezone.now()
    template.save(update_fields=["status", "approved_by", "approved_at"])
    return template


@transaction.atomic
def retire_template(template: Template) -> Template:
    """Stop using this version: steps naming its code fall back to no approved version."""
    template.status = TemplateStatus.RETIRED
    template.save(update_fields=["status"])
    return template


@transaction.atomic
def install_default_templates(creditor: Creditor) -> int:
    """Create the default set (version 1, approved) for every code and channel the creditor
    does not have yet; returns how many were created. Safe to repeat."""
    from recaudo.strategies.default_templates import DEFAULT_TEMPLATES

    existing = set(
        Template.objects.filter(creditor=creditor).values_list("code", "channel").distinct()
    )
    now = timezone.now()
    new = [
        Template(
            creditor=creditor,
            code=default.code,
            channel=default.channel,
            version=1,
            name=default.name,
            stage=default.stage,
            language="es",
            subject=default.subject,
            body=default.body,
            provider_template_name=default.provider_template_name,
            provider_template_params=list(default.provider_template_params),
            buttons=[dict(button) for button in default.buttons],
            status=TemplateStatus.APPROVED,
            approved_at=now,
        )
        for default in DEFAULT_TEMPLATES
        if (default.code, default.channel) not in existing
    ]
    Template.objects.bulk_create(new)
    return len(new)


# --- strategy steps and experiments (the console's strategy editors) ------------------------

STEP_FIELDS = (
    "name",
    "trigger",
    "offset_days",
    "stage",
    "action",
    "channel",
    "template_code",
    "conditions",
)
# Actions that send a template on a channel.
TEMPLATE_ACTIONS = frozenset({"message", "letter"})
STEP_ORDER_GAP = 10


def step_condition_errors(conditions: Any) -> list[str]:
    """What is wrong with a step's ``conditions`` (``planner.CONDITIONS``), as messages."""
    from recaudo.customers.models import Channel
    from recaudo.debts.models import Stage
    from recaudo.strategies.planner import CONDITIONS

    if not isinstance(conditions, dict):
        return [_('Conditions must be a JSON object, e.g. {"no_active_promise": true}.')]
    errors = []
    unknown = sorted(set(conditions) - set(CONDITIONS))
    if unknown:
        errors.append(
            _("Unknown conditions %(unknown)s; the known ones are: %(known)s.")
            % {"unknown": ", ".join(unknown), "known": ", ".join(CONDITIONS)}
        )
    for name in ("no_active_promise", "no_reply_since_last_step"):
        if name in conditions and not isinstance(conditions[name], bool):
            errors.append(_("«%(name)s» must be true or false.") % {"name": name})
    numbers: dict[str, float] = {}
    for name in ("score_min", "score_max"):
        value = conditions.get(name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
            errors.append(_("«%(name)s» must be a number from 0 to 1.") % {"name": name})
        else:
            numbers[name] = float(value)
    for name in ("min_days_past_due", "max_days_past_due"):
        value = conditions.get(name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int):
            errors.append(_("«%(name)s» must be a whole number of days.") % {"name": name})
        else:
            numbers[name] = value
    for low, high in (("score_min", "score_max"), ("min_days_past_due", "max_days_past_due")):
        if low in numbers and high in numbers and numbers[low] > numbers[high]:
            errors.append(
                _("«%(low)s» is above «%(high)s»: swap them.") % {"low": low, "high": high}
            )
    if "stage" in conditions and conditions["stage"] not in ("", *Stage.values):
        errors.append(_("«stage» must be one of %(stages)s.") % {"stages": ", ".join(Stage.values)})
    channels = conditions.get("channels")
    if channels is not None and (
        not isinstance(channels, list) or any(value not in Channel.values for value in channels)
    ):
        errors.append(
            _("«channels» must be a list of channels among %(channels)s.")
            % {"channels": ", ".join(Channel.values)}
        )
    return errors


def step_errors(step: Step) -> dict[str, list[str]]:
    """What is wrong with ``step`` (field -> messages); empty when it can be saved.

    A message or letter names a template code with an approved version on the step's channel
    (the one the planner will send)."""
    from recaudo.customers.models import Channel
    from recaudo.debts.models import Stage
    from recaudo.strategies.models import StepAction, StepTrigger
    from recaudo.strategies.queries import latest_approved

    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if not (step.name or "").strip():
        add("name", _("Give the step a name, e.g. «Reminder 3 days before»."))
    if step.trigger not in StepTrigger.values:
        add("trigger", _("Choose a trigger from the list."))
    if step.action not in StepAction.values:
        add("action", _("Choose an action from the list."))
    if not isinstance(step.offset_days, int) or isinstance(step.offset_days, bool):
        add("offset_days", _("Enter a whole number of days (negative: before the due date)."))
    elif not -365 <= step.offset_days <= 3650:
        add("offset_days", _("Enter a number of days between -365 and 3650."))
    if step.stage and step.stage not in Stage.values:
        add("stage", _("Choose a stage from the list."))
    if step.trigger == StepTrigger.STAGE_ENTRY and not step.stage:
        add("stage", _("A «days after entering a stage» step needs the stage."))
    if step.channel and step.channel not in Channel.values:
        add("channel", _("Choose a channel from the list."))
    if step.action in TEMPLATE_ACTIONS:
        if not step.channel:
            add("channel", _("A message or letter needs a channel."))
        if not step.template_code:
            add("template_code", _("A message or letter needs a template code."))
        elif step.channel and step.channel in Channel.values:
            creditor_id = step.strategy.creditor_id
            if latest_approved(creditor_id, step.template_code, step.channel) is None:
                add(
                    "template_code",
                    _(
                        "There is no approved template «%(code)s» for %(channel)s: approve "
                        "one in Templates or choose another code."
                    )
                    % {"code": step.template_code, "channel": step.channel},
                )
    condition_errors = step_condition_errors(step.conditions)
    if condition_errors:
        errors["conditions"] = condition_errors
    return errors


def _step_values(step: Step) -> dict[str, Any]:
    return {name: getattr(step, name) for name in STEP_FIELDS}


@transaction.atomic
def save_step(
    strategy: Strategy, *, step: Step | None = None, **fields: Any
) -> tuple[Step, dict[str, list[Any]]]:
    """Add a step at the end of ``strategy`` or change ``step``; validated (``step_errors``).
    Returns the step and what changed (field -> [before, after])."""
    unknown = sorted(set(fields) - set(STEP_FIELDS))
    if unknown:
        raise TypeError(f"not editable step fields: {', '.join(unknown)}")
    Strategy.objects.select_for_update().get(pk=strategy.pk)
    if step is None:
        last = Step.objects.filter(strategy=strategy).aggregate(Max("order"))["order__max"]
        step = Step(strategy=strategy, order=(last or 0) + STEP_ORDER_GAP)
        before: dict[str, Any] = {}
    else:
        step = Step.objects.get(pk=step.pk, strategy=strategy)
        before = _step_values(step)
    for name, value in fields.items():
        setattr(step, name, value)
    step.name = (step.name or "").strip()
    errors = step_errors(step)
    if errors:
        raise ValidationError(errors)
    after = _step_values(step)
    changes = field_changes(before, after)
    if changes or step.pk is None:
        step.save()
    return step, changes


def _renumber_steps(strategy_id: int, steps: list[Step]) -> None:
    """Give ``steps`` the orders 10, 20, 30 ... in two passes (order is unique per strategy)."""
    high = 30000 - len(steps)
    for index, step in enumerate(steps):
        step.order = high + index
    Step.objects.bulk_update(steps, ["order"])
    for index, step in enumerate(steps, 1):
        step.order = index * STEP_ORDER_GAP
    Step.objects.bulk_update(steps, ["order"])


@transaction.atomic
def move_step(step: Step, *, to_index: int) -> dict[str, list[Any]]:
    """Put ``step`` at ``to_index`` (0 = first) of its strategy; the same place again changes
    nothing but the numbering."""
    Strategy.objects.select_for_update().get(pk=step.strategy_id)
    steps = list(Step.objects.filter(strategy_id=step.strategy_id).order_by("order", "id"))
    current = next(index for index, item in enumerate(steps) if item.pk == step.pk)
    moving = steps.pop(current)
    to_index = max(0, min(to_index, len(steps)))
    steps.insert(to_index, moving)
    _renumber_steps(step.strategy_id, steps)
    return {} if current == to_index else {"position": [current + 1, to_index + 1]}


@transaction.atomic
def remove_step(step: Step) -> dict[str, list[Any]]:
    """Delete ``step`` (already gone: nothing changes). Messages keep their history."""
    Strategy.objects.select_for_update().get(pk=step.strategy_id)
    deleted, _rows = Step.objects.filter(pk=step.pk).delete()
    if not deleted:
        return {}
    return {"removed": [plain(_step_values(step)), None]}


def experiment_errors(
    creditor: Creditor,
    *,
    name: str,
    variants: list[tuple[str, Strategy | None, int]],
) -> dict[str, list[str]]:
    """What is wrong with a new experiment (field -> messages)."""
    from recaudo.strategies.models import Experiment

    errors: dict[str, list[str]] = {}
    if not name.strip():
        errors["name"] = [_("Name the experiment, e.g. «Early WhatsApp vs SMS».")]
    elif Experiment.objects.filter(creditor=creditor, name=name.strip()).exists():
        errors["name"] = [_("There is already an experiment with this name; choose another.")]
    problems = []
    if len(variants) < 2:
        problems.append(
            _("An experiment needs at least two variants: a champion and a challenger.")
        )
    names = [variant_name.strip() for variant_name, _strategy, _weight in variants]
    if any(not variant_name for variant_name in names):
        problems.append(_("Every variant needs a name."))
    if len(set(names)) != len(names):
        problems.append(_("Variant names must be different."))
    for variant_name, strategy, weight in variants:
        if strategy is None or strategy.creditor_id != creditor.pk:
            problems.append(
                _("Choose a strategy of this creditor for «%(variant)s».")
                % {"variant": variant_name}
            )
        if weight <= 0:
            problems.append(
                _("The weight of «%(variant)s» must be above 0.") % {"variant": variant_name}
            )
    total = sum(weight for _name, _strategy, weight in variants)
    if variants and total != 100:
        problems.append(
            _("The weights add up to %(total)s; they must add up to 100.") % {"total": total}
        )
    if problems:
        errors["variants"] = problems
    return errors


@transaction.atomic
def create_experiment(
    creditor: Creditor,
    *,
    name: str,
    segment: str,
    started_on: Any,
    variants: list[tuple[str, Strategy | None, int]],
) -> Any:
    """A champion/challenger experiment on ``segment`` (empty: every segment) from
    ``started_on``; ``variants`` are (name, strategy, weight) with weights adding up to 100.
    Raises ``ValidationError`` (a dict by field)."""
    from recaudo.strategies.models import Experiment, Variant

    Creditor.objects.select_for_update().get(pk=creditor.pk)
    errors = experiment_errors(creditor, name=name, variants=variants)
    if errors:
        raise ValidationError(errors)
    experiment = Experiment.objects.create(
        creditor=creditor, name=name.strip(), segment=segment.strip(), started_on=started_on
    )
    Variant.objects.bulk_create(
        Variant(experiment=experiment, name=variant_name.strip(), strategy=strategy, weight=weight)
        for variant_name, strategy, weight in variants
    )
    return experiment


@transaction.atomic
def stop_experiment(experiment: Any, *, ended_on: Any) -> dict[str, list[Any]]:
    """End an experiment on ``ended_on``: from then on its accounts follow their segment's
    strategy. Stopping a stopped experiment changes nothing."""
    from recaudo.strategies.models import Experiment

    updated = Experiment.objects.filter(pk=experiment.pk, active=True).update(
        active=False, ended_on=ended_on
    )
    if not updated:
        return {}
    experiment.active, experiment.ended_on = False, ended_on
    return {"active": [True, False], "ended_on": [None, str(ended_on)]}
