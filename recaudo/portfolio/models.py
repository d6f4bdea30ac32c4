"""Configuration of the portfolio engine: segmentation rules per creditor."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from recaudo.lib.fields import money_field


class SegmentRule(models.Model):
    """One row of a creditor's ordered segmentation table: the first rule that matches wins.

    Every condition left blank matches any account. Ranges include both ends.
    """

    creditor = models.ForeignKey(
        "debts.Creditor", on_delete=models.CASCADE, related_name="segment_rules"
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    segment = models.CharField(_("segment"), max_length=100)
    description = models.CharField(_("description"), max_length=300, blank=True, default="")
    active = models.BooleanField(_("active"), default=True)
    min_balance = money_field(_("minimum balance"), null=True, blank=True)
    max_balance = money_field(_("maximum balance"), null=True, blank=True)
    min_tenure_months = models.PositiveIntegerField(
        _("minimum tenure (months)"), null=True, blank=True
    )
    max_tenure_months = models.PositiveIntegerField(
        _("maximum tenure (months)"), null=True, blank=True
    )
    min_days_past_due = models.IntegerField(_("minimum days past due"), null=True, blank=True)
    max_days_past_due = models.IntegerField(_("maximum days past due"), null=True, blank=True)
    min_score = models.FloatField(_("minimum score"), null=True, blank=True)
    max_score = models.FloatField(_("maximum score"), null=True, blank=True)
    customer_types = models.JSONField(
        _("customer types"), default=list, blank=True, help_text=_("Empty matches any.")
    )
    product_types = models.JSONField(
        _("product types"), default=list, blank=True, help_text=_("Empty matches any.")
    )
    stages = models.JSONField(
        _("stages"), default=list, blank=True, help_text=_("Empty matches any.")
    )

    class Meta:
        verbose_name = _("segment rule")
        verbose_name_plural = _("segment rules")
        ordering = ["creditor", "position", "id"]

    def __str__(self) -> str:
        return f"{self.position}. {self.segment}"
