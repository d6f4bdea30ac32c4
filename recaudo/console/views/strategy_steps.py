"""Strategies of a creditor and the steps editor of one strategy."""

from django.contrib import messages
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from recaudo.console.access import requires
from recaudo.console.forms.strategy import StepForm
from recaudo.console.views.strategy_common import (
    audit_edit,
    choose_creditor,
    first_submission,
    page_context,
)
from recaudo.debts.models import Stage
from recaudo.staff.roles import Capability
from recaudo.strategies.actions import move_step, remove_step, save_step
from recaudo.strategies.models import Step, Strategy
from recaudo.strategies.planner import CONDITIONS
from recaudo.strategies.planning import describe_conditions
from recaudo.strategies.queries import latest_templates

STAGE_LABELS = dict(Stage.choices)


@requires(Capability.VIEW_STRATEGY)
def strategies(request: HttpRequest) -> HttpResponse:
    creditors, creditor = choose_creditor(request)
    context = page_context(request, "strategies", creditors, creditor)
    if creditor is not None:
        context["strategies"] = list(
            Strategy.objects.filter(creditor=creditor)
            .annotate(step_count=Count("steps"))
            .order_by("name")
        )
    return render(request, "console/strategy/strategies.html", context)


def _render_strategy(
    request: HttpRequest,
    strategy: Strategy,
    *,
    form: StepForm | None = None,
    editing: Step | None = None,
    status: int = 200,
) -> HttpResponse:
    creditors, _chosen = choose_creditor(request)
    context = page_context(request, "strategies", creditors, strategy.creditor)
    steps = list(strategy.steps.order_by("order", "id"))
    approved = {
        (template.code, template.channel)
        for template in latest_templates(strategy.creditor_id)
        if getattr(template, "approved_version", None) is not None
    }
    context |= {
        "strategy": strategy,
        "steps": [
            {
                "step": step,
                # In words in the list; the form keeps the JSON for editing.
                "conditions": describe_conditions(step.conditions),
                "stage": STAGE_LABELS.get(step.stage, step.stage),
                "template_ok": not step.template_code
                or (step.template_code, step.channel) in approved,
            }
            for step in steps
        ],
        "condition_help": CONDITIONS,
        "approved_codes": sorted({code for code, _channel in approved}),
    }
    if context["can_edit"]:
        wants = editing is not None or request.GET.get("new") == "1" or form is not None
        if wants:
            context["form"] = form or StepForm(instance=editing, strategy=strategy)
            context["editing"] = editing
    return render(request, "console/strategy/strategy.html", context, status=status)


@requires(Capability.VIEW_STRATEGY)
def strategy_steps(request: HttpRequest, strategy_id: int) -> HttpResponse:
    strategy = get_object_or_404(Strategy.objects.select_related("creditor"), pk=strategy_id)
    editing = None
    if request.GET.get("step"):
        editing = get_object_or_404(Step, strategy=strategy, pk=_step_id(request.GET["step"]))
    return _render_strategy(request, strategy, editing=editing)


def _step_id(value: str) -> int:
    """A step id from the query or the form; anything but a number is a missing step (404)."""
    if not value.isdigit():
        raise Http404
    return int(value)


@requires(Capability.EDIT_STRATEGY)
@require_POST
def step_save(request: HttpRequest, strategy_id: int) -> HttpResponse:
    strategy = get_object_or_404(Strategy.objects.select_related("creditor"), pk=strategy_id)
    back = reverse("console:strategy_steps", args=[strategy.pk])
    if not first_submission(request):
        return redirect(back)
    editing = None
    if request.POST.get("step_id"):
        editing = get_object_or_404(Step, strategy=strategy, pk=_step_id(request.POST["step_id"]))
    form = StepForm(request.POST, instance=editing, strategy=strategy)
    if not form.is_valid():
        return _render_strategy(request, strategy, form=form, editing=editing, status=400)
    original = Step.objects.get(pk=editing.pk) if editing else None
    step, changes = save_step(strategy, step=original, **form.values())
    audit_edit(
        request,
        creditor_id=strategy.creditor_id,
        what="step",
        object_id=step.pk,
        changes=changes | {"strategy": [strategy.pk, strategy.pk]} if changes else {},
    )
    messages.success(request, _("Step «%(name)s» saved.") % {"name": step.name})
    return redirect(back)


@requires(Capability.EDIT_STRATEGY)
@require_POST
def step_move(request: HttpRequest, step_id: int) -> HttpResponse:
    step = get_object_or_404(Step.objects.select_related("strategy"), pk=step_id)
    try:
        to_index = int(request.POST.get("to_index", ""))
    except ValueError:
        to_index = -1
    if to_index >= 0:
        changes = move_step(step, to_index=to_index)
        audit_edit(
            request,
            creditor_id=step.strategy.creditor_id,
            what="step",
            object_id=step.pk,
            changes=changes,
        )
    return redirect(reverse("console:strategy_steps", args=[step.strategy_id]))


@requires(Capability.EDIT_STRATEGY)
@require_POST
def step_remove(request: HttpRequest, step_id: int) -> HttpResponse:
    step = Step.objects.select_related("strategy").filter(pk=step_id).first()
    strategy_id = request.POST.get("strategy_id", "")
    if step is not None:
        strategy_id = str(step.strategy_id)
        changes = remove_step(step)
        audit_edit(
            request,
            creditor_id=step.strategy.creditor_id,
            what="step",
            object_id=step_id,
            changes=changes,
        )
        if changes:
            messages.success(request, _("Step «%(name)s» removed.") % {"name": step.name})
    if not strategy_id.isdigit():
        return redirect(reverse("console:strategies"))
    return redirect(reverse("console:strategy_steps", args=[int(strategy_id)]))


urlpatterns = [
    path("strategy/strategies/", strategies, name="strategies"),
    path("strategy/strategies/<int:strategy_id>/", strategy_steps, name="strategy_steps"),
    path("strategy/strategies/<int:strategy_id>/steps/save/", step_save, name="step_save"),
    path("strategy/steps/<int:step_id>/move/", step_move, name="step_move"),
    path("strategy/steps/<int:step_id>/remove/", step_remove, name="step_remove"),
]
