"""Writes sent with an ``Idempotency-Key``: done once, and the same answer for every retry."""

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction

from recaudo.api.models import IdempotencyKey
from recaudo.debts.models import Creditor


@dataclass(frozen=True)
class StoredResponse:
    status: int
    body: dict[str, Any]
    replayed: bool = False


class IdempotencyKeyReused(Exception):
    """The key was already used for a different request."""


def fingerprint(body: Any) -> str:
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _stored(creditor: Creditor, key: str, *, endpoint: str, print_: str) -> StoredResponse | None:
    stored = IdempotencyKey.objects.filter(creditor=creditor, key=key).first()
    if stored is None:
        return None
    if stored.endpoint != endpoint or stored.fingerprint != print_:
        raise IdempotencyKeyReused(key)
    return StoredResponse(stored.response_status, stored.response_body, replayed=True)


class _Rejected(Exception):
    """Leaves the transaction, undoing the claim on the key, with the answer to give."""

    def __init__(self, response: StoredResponse) -> None:
        super().__init__(response.status)
        self.response = response


def run_once(
    creditor: Creditor,
    *,
    key: str,
    endpoint: str,
    body: Any,
    write: Callable[[], StoredResponse],
) -> StoredResponse:
    """Run ``write`` unless ``key`` was used before; then answer what it answered then.

    The key is claimed (its row inserted) before writing, in the same transaction, so a
    concurrent request with the same key waits on the unique constraint and then answers the
    stored response. Only successful answers are kept: a rejected request wrote nothing and may
    be sent again, corrected, with the same key. Raises ``IdempotencyKeyReused`` when the key
    came with another body or endpoint.
    """
    print_ = fingerprint(body)
    stored = _stored(creditor, key, endpoint=endpoint, print_=print_)
    if stored is not None:
        return stored
    try:
        with transaction.atomic():
            claim = IdempotencyKey.objects.create(
                creditor=creditor,
                key=key,
                endpoint=endpoint,
                fingerprint=print_,
                response_status=0,
                response_body={},
            )
            response = write()
            if response.status >= 300:
                raise _Rejected(response)
            claim.response_status, claim.response_body = response.status, response.body
            claim.save(update_fields=["response_status", "response_body"])
            return response
    except _Rejected as rejected:
        return rejected.response
    except IntegrityError:
        # A concurrent request with the same key committed first: answer what it answered.
        stored = _stored(creditor, key, endpoint=endpoint, print_=print_)
        if stored is None:
            raise
        return stored
