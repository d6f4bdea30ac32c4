"""API keys: create, revoke and check them. The secret is never stored, only its keyed hash."""

import hmac
import re
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

from recaudo.api.models import ApiKey
from recaudo.debts.models import Creditor

_KEY_SALT = "recaudo.api.ApiKey"
_PREFIX_START = "rk_"
_PREFIX_HEX_DIGITS = 8
_PREFIX_PATTERN = re.compile(rf"{_PREFIX_START}[0-9a-f]{{{_PREFIX_HEX_DIGITS}}}")
_SEPARATOR = "."


@dataclass(frozen=True)
class NewApiKey:
    api_key: ApiKey
    clear_key: str  # shown once to whoever created it, never stored


def hash_secret(secret: str, *, signing_key: str | bytes | None = None) -> str:
    """HMAC-SHA256 of ``secret`` keyed with the project's secret key (or ``signing_key``)."""
    key = settings.SECRET_KEY if signing_key is None else signing_key
    return salted_hmac(_KEY_SALT, secret, secret=key, algorithm="sha256").hexdigest()


def _matches(secret: str, hashed_secret: str) -> bool:
    """True when ``secret`` hashes to ``hashed_secret`` with the secret key or a fallback."""
    signing_keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return any(
        hmac.compare_digest(hash_secret(secret, signing_key=key), hashed_secret)
        for key in signing_keys
    )


@transaction.atomic
def create_api_key(creditor: Creditor, *, name: str) -> NewApiKey:
    prefix = _PREFIX_START + secrets.token_hex(_PREFIX_HEX_DIGITS // 2)
    secret = secrets.token_urlsafe(32)
    api_key = ApiKey.objects.create(
        creditor=creditor, name=name, prefix=prefix, hashed_secret=hash_secret(secret)
    )
    return NewApiKey(api_key=api_key, clear_key=f"{prefix}{_SEPARATOR}{secret}")


def revoke_api_key(api_key: ApiKey) -> None:
    ApiKey.objects.filter(pk=api_key.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())


def find_active_key(clear_key: str) -> ApiKey | None:
    """The active key ``clear_key`` stands for, with its creditor; ``None`` if none."""
    prefix, separator, secret = clear_key.partition(_SEPARATOR)
    if not (_PREFIX_PATTERN.fullmatch(prefix) and separator and secret.isprintable()):
        return None
    api_key = (
        ApiKey.objects.select_related("creditor")
        .filter(prefix=prefix, revoked_at__isnull=True)
        .first()
    )
    if api_key is None or not _matches(secret, api_key.hashed_secret):
        return None
    return api_key


def mark_used(api_key: ApiKey) -> None:
    """Record the use; at most one write a minute per key."""
    now = timezone.now()
    if api_key.last_used_at is None or (now - api_key.last_used_at).total_seconds() >= 60:
        ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
        api_key.last_used_at = now
