"""Signed, expiring payment links: ``{RECAUDO_PUBLIC_URL}/p/<token>``.

The token is the account id in base 62, a timestamp and a signature made with Django's signing
(the project's SECRET_KEY, a salt of its own). The signature is cut to 16 characters (96 bits)
so a link fits in an SMS; it expires ``PAYMENT_LINK_MAX_AGE`` after it was made. The page that
receives it comes with the payments issue.
"""

import datetime as dt

from django.conf import settings
from django.core import signing

SALT = "recaudo.strategies.payment-link"
PAYMENT_LINK_MAX_AGE = dt.timedelta(days=30)
_SIGNATURE_LENGTH = 16


class _ShortSigner(signing.TimestampSigner):
    def signature(self, value: str | bytes, key: str | bytes | None = None) -> str:
        return super().signature(value, key)[:_SIGNATURE_LENGTH]


def _signer() -> _ShortSigner:
    return _ShortSigner(salt=SALT, sep=".")


def make_payment_token(account_id: int) -> str:
    return _signer().sign(signing.b62_encode(account_id))


def read_payment_token(token: str, *, max_age: dt.timedelta = PAYMENT_LINK_MAX_AGE) -> int:
    """The account id in ``token``; raises ``signing.BadSignature`` (or its subclass
    ``SignatureExpired``) when it was tampered with or is too old."""
    value = _signer().unsign(token, max_age=max_age)
    try:
        return signing.b62_decode(value)
    except (ValueError, KeyError) as error:  # pragma: no cover - only with a leaked key
        raise signing.BadSignature(token) from error


def payment_link(account_id: int) -> str:
    base = settings.RECAUDO_PUBLIC_URL.rstrip("/")
    return f"{base}/p/{make_payment_token(account_id)}"
