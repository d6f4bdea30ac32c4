from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DebtsConfig(AppConfig):
    name = "recaudo.debts"
    verbose_name = _("Debts")
