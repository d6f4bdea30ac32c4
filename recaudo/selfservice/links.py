"""Signed, expiring self-service links: ``{RECAUDO_PUBLIC_URL}/s/<token>``.

Same tokens as the payment links (``recaudo.lib.signing``) with a salt of their own, so a
payment token is not a self-service token. A link only says *who* it was sent to; the page
still verifies the customer before showing anything.
"""

import datetime as dt

from django.conf import settings

from recaudo.lib.signing import make_id_token, read_id_token

SALT = "recaudo.selfservice.link"
SELF_SERVICE_LINK_MAX_AGE = dt.timedelta(days=30)


def make_self_service_token(customer_id: int) -> str:
    return make_id_token(customer_id, salt=SALT)


def read_self_service_token(
    token: str, *, max_age: dt.timedelta | None = SELF_SERVICE_LINK_MAX_AGE
) -> int:
    """The customer id in ``token``; raises ``signing.BadSignature`` (or its subclass
    ``SignatureExpired``) when it was tampered with or is older than ``max_age``.

    ``max_age=None`` accepts an expired but genuine token (to say whose link expired)."""
    return read_id_token(token, salt=SALT, max_age=max_age)


def self_service_link(customer_id: int) -> str:
    base = settings.RECAUDO_PUBLIC_URL.rstrip("/")
    return f"{base}/s/{make_self_service_token(customer_id)}"
