"""Reads of templates used by the planner, the worker and the admin."""

from recaudo.debts.models import Creditor
from recaudo.strategies.models import Template, TemplateStatus


def latest_approved(creditor: Creditor | int, code: str, channel: str) -> Template | None:
    """The newest approved version of ``code`` on ``channel``: the one a step sends."""
    creditor_id = creditor if isinstance(creditor, int) else creditor.pk
    return (
        Template.objects.filter(
            creditor_id=creditor_id, code=code, channel=channel, status=TemplateStatus.APPROVED
        )
        .order_by("-version")
        .first()
    )


def latest_version(creditor: Creditor | int, code: str, channel: str) -> Template | None:
    """The newest version of ``code`` on ``channel``, whatever its status."""
    creditor_id = creditor if isinstance(creditor, int) else creditor.pk
    return (
        Template.objects.filter(creditor_id=creditor_id, code=code, channel=channel)
        .order_by("-version")
        .first()
    )
