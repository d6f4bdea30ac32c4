"""gettext that also works outside Django: decide() is pure and usable from plain scripts."""

from django.conf import settings
from django.core.exceptions import AppRegistryNotReady
from django.utils.translation import gettext as django_gettext

_configured = False


def gettext(message: str) -> str:
    """The message in the active language, or the English msgid when Django is not set up."""
    global _configured
    if not _configured:
        if not settings.configured:
            return message
        _configured = True
    try:
        return django_gettext(message)
    except AppRegistryNotReady:
        return message


def gettext_noop(message: str) -> str:
    """Marks a string for translation (makemessages finds it) without translating it yet."""
    return message
