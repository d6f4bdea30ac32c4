"""Short signed, expiring tokens for ids in links sent by SMS (payment and self-service links).

The token is the id in base 62, a timestamp and a signature made with Django's signing (the
project's SECRET_KEY and a salt per kind of link, so one kind is never accepted as another),
cut to 16 characters (96 bits) so a link fits in an SMS.
"""

import datetime as dt

from django.core import signing

_SIGNATURE_LENGTH = 16


class _ShortSigner(signing.TimestampSigner):
    def signature(self, value: str | bytes, key: str | bytes | None = None) -> str:
        return super().signature(value, key)[:_SIGNATURE_LENGTH]


def make_id_token(value: int, *, salt: str) -> str:
    return _ShortSigner(salt=salt, sep=".").sign(signing.b62_encode(value))


def read_id_token(token: str, *, salt: str, max_age: dt.timedelta | None) -> int:
    """The id in ``token``; raises ``signing.BadSignature`` (or its subclass
    ``SignatureExpired``) when it was tampered with or is older than ``max_age`` (None: any
    age, for saying whose link expired)."""
    value = _ShortSigner(salt=salt, sep=".").unsign(token, max_age=max_age)
    try:
        return signing.b62_decode(value)
    except (ValueError, KeyError) as error:  # pragma: no cover - only with a leaked key
        raise signing.BadSignature(token) from error
