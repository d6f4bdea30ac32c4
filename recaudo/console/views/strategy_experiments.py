"""Champion/challenger: the experiments of a creditor, a new one, its results, stopping it."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from recaudo.console.access import requires
from recaudo.console.forms.strategy import ExperimentForm
from recaudo.console.views.strategy_common import (
    audit_edit,
    choose_creditor,
    first_submission,
    page_context,
    posted_creditor,
    unknown_creditor,
)
from recaudo.debts.models import Creditor
from recaudo.portfolio.io.refresh import today_for
from recaudo.staff.roles import Capability
from recaudo.strategies.actions import create_experiment, stop_experiment
from recaudo.strategies.models import Experiment, Variant
from recaudo.strategies.queries import MIN_ARM_ACCOUNTS, MIN_EXPECTED, experiment_results


def _render_list(
    request: HttpRequest,
    creditors: list[Creditor],
    creditor: Creditor | None,
    *,
    form: ExperimentForm | None = None,
    status: int = 200,
) -> HttpResponse:
    context = page_context(request, "experiments", creditors, creditor)
    if creditor is not None:
        context["experiments"] = list(
            Experiment.objects.filter(creditor=creditor)
            .prefetch_related(
                Prefetch(
                    "variants",
                    queryset=Variant.objects.select_related("strategy").order_by("id"),
                )
            )
            .order_by("-started_on", "-id")
        )
        if context["can_edit"]:
            context["form"] = form or ExperimentForm(
                creditor=creditor, initial={"started_on": today_for(creditor)}
            )
    return render(request, "console/strategy/experiments.html", context, status=status)


@requires(Capability.VIEW_STRATEGY)
def experiments(request: HttpRequest) -> HttpResponse:
    creditors, creditor = choose_creditor(request)
    return _render_list(request, creditors, creditor)


@requires(Capability.EDIT_STRATEGY)
@require_POST
def experiment_create(request: HttpRequest) -> HttpResponse:
    creditors, creditor = posted_creditor(request)
    if creditor is None:
        return unknown_creditor(request)
    back = f"{reverse('console:experiments')}?creditor={creditor.pk}"
    if not first_submission(request):
        return redirect(back)
    form = ExperimentForm(request.POST, creditor=creditor)
    if form.is_valid():
        try:
            experiment = create_experiment(
                creditor,
                name=form.cleaned_data["name"],
                segment=form.cleaned_data["segment"] or "",
                started_on=form.cleaned_data["started_on"],
                variants=form.variants(),
            )
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                for problem in problems:
                    form.add_error(field if field in form.fields else None, problem)
        else:
            audit_edit(
                request,
                creditor_id=creditor.pk,
                what="experiment",
                object_id=experiment.pk,
                changes={
                    "created": [
                        None,
                        {
                            "name": experiment.name,
                            "segment": experiment.segment,
                            "started_on": str(experiment.started_on),
                            "variants": [
                                [name, strategy.pk if strategy else None, weight]
                                for name, strategy, weight in form.variants()
                            ],
                        },
                    ]
                },
            )
            messages.success(
                request, _("Experiment «%(name)s» created.") % {"name": experiment.name}
            )
            return redirect(reverse("console:experiment", args=[experiment.pk]))
    return _render_list(request, creditors, creditor, form=form, status=400)


@requires(Capability.VIEW_STRATEGY)
def experiment(request: HttpRequest, experiment_id: int) -> HttpResponse:
    found = get_object_or_404(Experiment.objects.select_related("creditor"), pk=experiment_id)
    creditors, _chosen = choose_creditor(request)
    context = page_context(request, "experiments", creditors, found.creditor)
    context |= {
        "experiment": found,
        "results": experiment_results(found, as_of=today_for(found.creditor)),
        "min_arm": MIN_ARM_ACCOUNTS,
        "min_expected": MIN_EXPECTED,
    }
    return render(request, "console/strategy/experiment.html", context)


@requires(Capability.EDIT_STRATEGY)
@require_POST
def experiment_stop(request: HttpRequest, experiment_id: int) -> HttpResponse:
    found = get_object_or_404(Experiment.objects.select_related("creditor"), pk=experiment_id)
    changes = stop_experiment(found, ended_on=today_for(found.creditor))
    audit_edit(
        request,
        creditor_id=found.creditor_id,
        what="experiment",
        object_id=found.pk,
        changes=changes,
    )
    if changes:
        messages.success(
            request,
            _(
                "Experiment «%(name)s» stopped: its accounts follow their segment's strategy from "
                "the next plan."
            )
            % {"name": found.name},
        )
    return redirect(reverse("console:experiment", args=[found.pk]))


urlpatterns = [
    path("strategy/experiments/", experiments, name="experiments"),
    path("strategy/experiments/new/", experiment_create, name="experiment_create"),
    path("strategy/experiments/<int:experiment_id>/", experiment, name="experiment"),
    path("strategy/experiments/<int:experiment_id>/stop/", experiment_stop, name="experiment_stop"),
]
