from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChannelsConfig(AppConfig):
    name = "recaudo.channels"
    verbose_name = _("Channels")

    def ready(self) -> None:
        from recaudo.channels import checks  # noqa: F401  (registers the providers' system check)
