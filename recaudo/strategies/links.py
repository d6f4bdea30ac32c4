"""Signed, expiring payment links: ``{RECAUDO_PUBLIC_URL}/p/<token>``.

The token (``recaudo.lib.signing``) carries the account id, with a salt of its own; it expires
``PAYMENT_LINK_MAX_AGE`` after it was made. The self-service page (``recaudo.selfservice``)
receives it, verifies the customer, and lets them pay.
"""

import datetime as dt

from django.conf import settings

from recaudo.lib.signing import make_id_token, read_id_token

SALT = "recaudo.strategies.payment-link"
PAYMENT_LINK_MAX_AGE = dt.timedelta(days=30)


def make_payment_token(account_id: int) -> str:
    return make_id_token(account_id, salt=SALT)


def read_payment_token(token: str, *, max_age: dt.timedelta | None = PAYMENT_LINK_MAX_AGE) -> int:
    """The account id in ``token``; raises ``signing.BadSignature`` (or its subclass
    ``SignatureExpired``) when it was tampered with or is too old."""
    return read_id_token(token, salt=SALT, max_age=max_age)


def payment_link(account_id: int) -> str:
    base = settings.RECAUDO_PUBLIC_URL.rstrip("/")
    return f"{base}/p/{make_payment_token(account_id)}"
