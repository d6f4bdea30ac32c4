"""Daily aggregates the dashboards read, and the creditor's unit cost per channel.

Every row is additive (a count, a money sum, a plain sum), so any period, segment or
dimension value is a SUM over rows; ratios are taken at read time from their parts.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from recaudo.customers.models import Channel
from recaudo.lib.fields import money_field


class DailyMetric(models.Model):
    creditor = models.ForeignKey(
        "debts.Creditor", on_delete=models.CASCADE, related_name="daily_metrics"
    )
    day = models.DateField(_("day"))
    # A code of recaudo.analytics.catalogue.Metric.
    metric = models.CharField(_("metric"), max_length=40)
    # The account segment the row counts ("" when the fact has no account).
    segment = models.CharField(_("segment"), max_length=100, blank=True, default="")
    # One breakdown per row: "" (none), "stage", "bucket", "channel", "strategy", "variant",
    # "transition", "source"; ``key`` is its value (e.g. bucket "31-60", transition "1-30>31-60").
    dimension = models.CharField(_("dimension"), max_length=20, blank=True, default="")
    key = models.CharField(_("key"), max_length=120, blank=True, default="")
    count = models.BigIntegerField(_("count"), default=0)
    amount = money_field(_("amount"), default=0)
    total = models.FloatField(_("sum"), default=0.0)  # seconds, ratings: not money

    class Meta:
        verbose_name = _("daily metric")
        verbose_name_plural = _("daily metrics")
        constraints = [
            models.UniqueConstraint(
                fields=["creditor", "day", "metric", "segment", "dimension", "key"],
                name="daily_metric_unique",
            )
        ]
        indexes = [
            models.Index(fields=["creditor", "metric", "day"], name="daily_metric_lookup"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.metric} {self.dimension}={self.key}"


class ChannelCost(models.Model):
    """What one message (or call, or agent contact) on a channel costs the creditor."""

    creditor = models.ForeignKey(
        "debts.Creditor", on_delete=models.CASCADE, related_name="channel_costs"
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    unit_cost = money_field(_("unit cost"))

    class Meta:
        verbose_name = _("channel cost")
        verbose_name_plural = _("channel costs")
        constraints = [
            models.UniqueConstraint(fields=["creditor", "channel"], name="channel_cost_unique")
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.unit_cost}"
