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
from recaudo.strategies.models import Template, TemplateStatus
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
    newest one with ``fields`` applied. Raises ``ValidationError`` on unknown variables."""
    _check_fields(fields)
    current = latest_version(creditor, code, channel)
    if current is not None and current.status == TemplateStatus.DRAFT:
        template = current
        for name, value in fields.items():
            setattr(template, name, value)
    else:
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
    """Approve a draft after the content check on its preview; the older approved versions of
    the same code and channel are retired. Raises ``ValidationError`` with the findings."""
    template = Template.objects.select_for_update().select_related("creditor").get(pk=template.pk)
    if template.status != TemplateStatus.DRAFT:
        raise ValidationError(_("Only a draft can be approved; change it to make a new version."))
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
