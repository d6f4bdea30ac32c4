from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "recaudo.payments"
    verbose_name = _("Online payments")

    def ready(self) -> None:
        from recaudo.payments import checks  # noqa: F401  (registers the provider's system check)
