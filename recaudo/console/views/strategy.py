"""The strategists' editors (issue 5, section 3): segments, strategies and their steps,
templates, champion/challenger experiments. Reads need ``VIEW_STRATEGY`` (supervisors see them
read-only), writes ``EDIT_STRATEGY``; every save writes an ``EDITED`` audit line with what
changed. Each screen lives in its own ``strategy_*`` module; this one collects their URLs."""

from django.urls import URLPattern

from recaudo.console.views import (
    strategy_experiments,
    strategy_segments,
    strategy_steps,
    strategy_templates,
)

urlpatterns: list[URLPattern] = [
    *strategy_segments.urlpatterns,
    *strategy_steps.urlpatterns,
    *strategy_templates.urlpatterns,
    *strategy_experiments.urlpatterns,
]
