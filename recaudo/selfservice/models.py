"""State of the self-service page that outlives a request."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class FormSubmission(models.Model):
    """One submitted write form (pay, choose a plan), by the one-time key the form carried.

    The unique key makes a double submit (two clicks, a reload, two tabs) run the action once:
    the second submit finds the row and is sent where the first one went.
    """

    key = models.CharField(_("form key"), max_length=64, unique=True)
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+")
    redirect_to = models.CharField(_("result"), max_length=500, blank=True, default="")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("self-service form submission")
        verbose_name_plural = _("self-service form submissions")

    def __str__(self) -> str:
        return self.key
