"""Templates: the latest version of each code and channel, the editor (a change is a new draft
version), a live preview for an invented customer (or a real one, for a user who may open
customers, audited), approval and retirement."""

import dataclasses
import json
import re
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from recaudo.console.access import requires
from recaudo.console.forms.strategy import TemplateForm
from recaudo.console.views.strategy_common import (
    audit_edit,
    choose_creditor,
    first_submission,
    page_context,
    posted_creditor,
    unknown_creditor,
)
from recaudo.customers.models import Channel
from recaudo.debts.models import Account, Creditor
from recaudo.lib.changes import field_changes
from recaudo.portfolio.io.refresh import today_for
from recaudo.staff.actions import record_audit
from recaudo.staff.models import AuditAction
from recaudo.staff.roles import Capability, can
from recaudo.strategies.actions import (
    EDITABLE_FIELDS,
    approval_problems,
    approve_template,
    create_template_version,
    retire_template,
)
from recaudo.strategies.models import Template, TemplateStatus
from recaudo.strategies.queries import latest_approved, latest_templates, latest_version
from recaudo.strategies.sms import sms_length
from recaudo.strategies.templating import VARIABLES, Preview, preview


@requires(Capability.VIEW_STRATEGY)
def templates(request: HttpRequest) -> HttpResponse:
    creditors, creditor = choose_creditor(request)
    context = page_context(request, "templates", creditors, creditor)
    if creditor is not None:
        context["templates"] = latest_templates(creditor)
    return render(request, "console/strategy/templates.html", context)


def sample_account(creditor: Creditor, external_id: str) -> tuple[Account | None, str]:
    """The real account the preview renders for: the creditor's one with ``external_id``;
    None (the invented customer) when none is asked for or found, with an error text then."""
    if not external_id:
        return None, ""
    account = (
        Account.objects.filter(creditor=creditor, external_id=external_id)
        .select_related("customer", "creditor")
        .first()
    )
    if account is None:
        return None, _(
            "No account of this creditor has the external id «%(id)s»; showing an invented "
            "customer instead."
        ) % {"id": external_id}
    return account, ""


# A signed link in a rendered text: /p/<token> (payment) or /s/<token> (self-service), the
# token being id.timestamp.signature (recaudo.lib.signing).
_SIGNED_LINK = re.compile(r"(/[ps]/)([0-9A-Za-z]+\.[0-9A-Za-z]+\.[A-Za-z0-9_-]{16})")
PLACEHOLDER_TOKEN = "EJEMPLO"


def _placeholder(match: re.Match[str]) -> str:
    # As long as the real token, so the SMS length shown is the one sent.
    return match.group(1) + PLACEHOLDER_TOKEN.ljust(len(match.group(2)), "0")


def _without_tokens(value: Any) -> Any:
    if isinstance(value, str):
        return _SIGNED_LINK.sub(_placeholder, value)
    if isinstance(value, list):
        return [_without_tokens(item) for item in value]
    if isinstance(value, dict):
        return {key: _without_tokens(item) for key, item in value.items()}
    return value


def masked_preview(result: Preview) -> Preview:
    """``result`` with every signed payment or self-service link replaced by a placeholder
    (``…/p/EJEMPLO000…``): staff see previews, and a real token would open a customer's
    self-service page or pay their account."""
    return dataclasses.replace(
        result,
        subject=_without_tokens(result.subject),
        body=_without_tokens(result.body),
        html=_without_tokens(result.html),
        payload=_without_tokens(result.payload),
        findings=[
            dataclasses.replace(finding, excerpt=_without_tokens(finding.excerpt))
            for finding in result.findings
        ],
    )


def _preview_context(
    request: HttpRequest, creditor: Creditor, form: TemplateForm
) -> dict[str, Any]:
    """The preview of the text in ``form``: for the invented customer, or for the real account
    named in ``sample_account`` when the user may open customers (``VIEW_CUSTOMERS``; audited as
    a view of that customer). Signed links are placeholders either way."""
    form.is_valid()
    template = form.unsaved_template(creditor)
    external_id = (form.data.get("sample_account") or "").strip()
    account: Account | None = None
    account_error = ""
    if external_id and not can(request.user, Capability.VIEW_CUSTOMERS):
        account_error = _(
            "Your role may not see customers' data: the preview uses an invented customer."
        )
    elif external_id:
        account, account_error = sample_account(creditor, external_id)
    context: dict[str, Any] = {"account": account, "account_error": account_error}
    if not template.channel or template.channel not in Channel.values:
        context["form_errors"] = [_("Choose a channel to see the preview.")]
        return context
    result = masked_preview(preview(template, account=account, as_of=today_for(creditor)))
    if account is not None:
        record_audit(
            request.user,
            AuditAction.VIEWED_CUSTOMER,
            request=request,
            account=account,
            detail={"view": "template_preview"},
        )
    length = sms_length(result.body)
    context |= {
        "preview": result,
        "is_sms": template.channel == Channel.SMS,
        "non_gsm": length.non_gsm_characters,
        "form_errors": [
            f"{form.fields[name].label}: {error}"
            for name, errors in form.errors.items()
            if name in form.fields
            for error in errors
        ],
    }
    return context


def _template_values(template: Template | None) -> dict[str, Any]:
    if template is None:
        return {"language": "es"}
    return {name: getattr(template, name) for name in EDITABLE_FIELDS} | {
        "code": template.code,
        "channel": template.channel,
    }


def _template_form(request: HttpRequest, *args: Any, **kwargs: Any) -> TemplateForm:
    """The template form; a real sample account only for a user who may open customers."""
    return TemplateForm(*args, real_accounts=can(request.user, Capability.VIEW_CUSTOMERS), **kwargs)


def _render_editor(
    request: HttpRequest,
    creditor: Creditor,
    *,
    current: Template | None,
    form: TemplateForm | None = None,
    status: int = 200,
) -> HttpResponse:
    creditors, _chosen = choose_creditor(request)
    context = page_context(request, "templates", creditors, creditor)
    if form is None:
        form = _template_form(
            request, initial=_template_values(current), existing=current is not None
        )
        # The first preview uses the saved text.
        preview_form = _template_form(
            request,
            data={
                key: (value if isinstance(value, str) else _json(value))
                for key, value in _template_values(current).items()
            },
            existing=current is not None,
        )
        if current is not None:
            preview_form.initial = {"code": current.code, "channel": current.channel}
    else:
        preview_form = form
    approved = (
        latest_approved(creditor, current.code, current.channel) if current is not None else None
    )
    context |= {
        "form": form,
        "current": current,
        "approved": approved,
        "variables": VARIABLES,
        "problems": [_without_tokens(problem) for problem in approval_problems(current)]
        if current is not None and current.status == TemplateStatus.DRAFT
        else [],
    }
    if current is not None or form.is_bound:
        context |= _preview_context(request, creditor, preview_form)
    return render(request, "console/strategy/template.html", context, status=status)


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


@requires(Capability.VIEW_STRATEGY)
def template_edit(request: HttpRequest, creditor_id: int, code: str, channel: str) -> HttpResponse:
    creditor = get_object_or_404(Creditor, pk=creditor_id)
    current = latest_version(creditor, code, channel)
    if current is None:
        raise Http404
    return _render_editor(request, creditor, current=current)


@requires(Capability.EDIT_STRATEGY)
def template_new(request: HttpRequest) -> HttpResponse:
    _creditors, creditor = choose_creditor(request)
    if creditor is None:
        raise Http404
    return _render_editor(request, creditor, current=None)


@requires(Capability.EDIT_STRATEGY)
@require_POST
def template_preview(request: HttpRequest) -> HttpResponse:
    """The live preview of the text being typed (nothing is saved)."""
    _creditors, creditor = posted_creditor(request)
    if creditor is None:
        return unknown_creditor(request)
    existing = bool(request.POST.get("existing"))
    form = _template_form(request, request.POST, existing=existing)
    if existing:
        form.initial = {"code": request.POST.get("code"), "channel": request.POST.get("channel")}
    return render(
        request,
        "console/strategy/_template_preview.html",
        _preview_context(request, creditor, form),
    )


@requires(Capability.EDIT_STRATEGY)
@require_POST
def template_save(request: HttpRequest) -> HttpResponse:
    _creditors, creditor = posted_creditor(request)
    if creditor is None:
        return unknown_creditor(request)
    existing = bool(request.POST.get("existing"))
    form = _template_form(request, request.POST, existing=existing)
    if existing:
        form.initial = {"code": request.POST.get("code"), "channel": request.POST.get("channel")}
    code, channel = request.POST.get("code", ""), request.POST.get("channel", "")
    current = latest_version(creditor, code, channel) if code and channel else None
    if existing and current is None:
        raise Http404
    if not existing and current is not None:
        form.add_error(
            "code",
            _("A template «%(code)s» on this channel exists already: edit it from the list.")
            % {"code": code},
        )
    if form.is_valid() and first_submission(request):
        before = _template_values(current)
        try:
            template = create_template_version(
                creditor,
                code=form.cleaned_data["code"],
                channel=form.cleaned_data["channel"],
                **form.values(),
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error("body", message)
        else:
            after = _template_values(template)
            changes = field_changes(before, after)
            audit_edit(
                request,
                creditor_id=creditor.pk,
                what="template",
                object_id=template.pk,
                changes=changes | {"version": [template.version, template.version]}
                if changes
                else {},
            )
            messages.success(
                request,
                _("Version %(version)s saved as a draft; approve it to start sending it.")
                % {"version": template.version},
            )
            return redirect(_editor_url(template))
    elif form.is_valid() and current is not None:
        return redirect(_editor_url(current))
    return _render_editor(request, creditor, current=current, form=form, status=400)


def _editor_url(template: Template) -> str:
    return reverse(
        "console:template_edit", args=[template.creditor_id, template.code, template.channel]
    )


@requires(Capability.EDIT_STRATEGY)
@require_POST
def template_approve(request: HttpRequest, template_id: int) -> HttpResponse:
    template = get_object_or_404(Template, pk=template_id)
    if template.status == TemplateStatus.APPROVED:
        return redirect(_editor_url(template))  # a double click
    try:
        approve_template(template, by=request.user)  # type: ignore[arg-type]
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        audit_edit(
            request,
            creditor_id=template.creditor_id,
            what="template",
            object_id=template.pk,
            changes={"status": [TemplateStatus.DRAFT.value, TemplateStatus.APPROVED.value]},
        )
        messages.success(
            request,
            _("Version %(version)s approved: steps naming «%(code)s» send it from now on.")
            % {"version": template.version, "code": template.code},
        )
    return redirect(_editor_url(template))


@requires(Capability.EDIT_STRATEGY)
@require_POST
def template_retire(request: HttpRequest, template_id: int) -> HttpResponse:
    template = get_object_or_404(Template, pk=template_id)
    if template.status != TemplateStatus.RETIRED:
        before = template.status
        retire_template(template)
        audit_edit(
            request,
            creditor_id=template.creditor_id,
            what="template",
            object_id=template.pk,
            changes={"status": [before, TemplateStatus.RETIRED.value]},
        )
        messages.success(
            request,
            _(
                "Version %(version)s retired: steps naming «%(code)s» on %(channel)s send nothing "
                "until another version is approved."
            )
            % {"version": template.version, "code": template.code, "channel": template.channel},
        )
    return redirect(_editor_url(template))


urlpatterns = [
    path("strategy/templates/", templates, name="templates"),
    path("strategy/templates/new/", template_new, name="template_new"),
    path("strategy/templates/preview/", template_preview, name="template_preview"),
    path("strategy/templates/save/", template_save, name="template_save"),
    path(
        "strategy/templates/<int:creditor_id>/<slug:code>/<str:channel>/",
        template_edit,
        name="template_edit",
    ),
    path(
        "strategy/templates/<int:template_id>/approve/", template_approve, name="template_approve"
    ),
    path("strategy/templates/<int:template_id>/retire/", template_retire, name="template_retire"),
]
