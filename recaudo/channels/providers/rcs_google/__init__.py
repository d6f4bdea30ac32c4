"""RCS through Google's RBM API: capability check first (not capable means: fall back to SMS),
then a rich card with suggested replies and an open-link action, or plain text."""

from recaudo.channels.providers.rcs_google.provider import RbmProvider

__all__ = ["RbmProvider"]
