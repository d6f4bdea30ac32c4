"""Who is speaking: the identity check shared by the assistant and the self-service page.

A customer proves who they are with the last digits of their document plus their birth year, or
with a one-time code sent to a contact point on file. A phone number on file is never proof
(numbers get reassigned). Three wrong answers in a row lock verification of that customer for
30 minutes, on every channel: the failures live on one ``Verification`` row per customer, locked
with ``select_for_update`` so concurrent wrong tries all count. Failures older than 30 minutes
are forgotten.

A document that matches no customer is counted the same way, on a ``VerificationAttempt`` row
keyed by an HMAC of the document: whoever asks cannot tell a customer from a stranger by the
answers, the attempts left or the lock.

Codes respect the customer's limits (one a minute, five an hour, counted on ``Verification``)
and the contact policy: they are queued as replies to the customer (the policy's hours and
opt-outs apply; frequency caps do not), and only to a contact point the policy allows now.
"""

import datetime as dt
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from enum import StrEnum

import phonenumbers
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from recaudo.channels.actions import queue_message
from recaudo.channels.models import Direction, Message
from recaudo.conversations.models import Verification, VerificationAttempt
from recaudo.customers.models import (
    Channel,
    ContactPoint,
    ContactPointStatus,
    ContactRole,
    Customer,
    Medium,
)
from recaudo.debts.models import Creditor
from recaudo.lib.masking import mask_address
from recaudo.lib.phones import is_mobile

MAX_FAILURES = 3
LOCK_DURATION = dt.timedelta(minutes=30)
# Failures older than this are forgotten (a new series starts).
FAILURE_MEMORY = dt.timedelta(minutes=30)
CODE_VALIDITY = dt.timedelta(minutes=10)
CODE_DIGITS = 6
MIN_DOCUMENT_DIGITS = 4
# Codes a customer may receive: one a minute, five an hour.
CODE_INTERVAL = dt.timedelta(minutes=1)
CODE_WINDOW = dt.timedelta(hours=1)
CODES_PER_WINDOW = 5
# Codes are answers to the customer: the policy's hours and opt-outs apply, caps do not.
CODE_PURPOSE = "reply"


class Outcome(StrEnum):
    VERIFIED = "verified"
    WRONG = "wrong"
    LOCKED = "locked"
    # No code pending (never sent, used or expired): nothing counted.
    UNAVAILABLE = "unavailable"


@dataclass(frozen=True)
class VerificationResult:
    outcome: Outcome
    attempts_left: int
    locked_until: dt.datetime | None = None


class CodeRefusal(StrEnum):
    NOT_A_DESTINATION = "not_a_destination"
    LOCKED = "locked"
    # A code was sent less than a minute ago (``retry_at``; the live one ``expires_at``).
    TOO_SOON = "too_soon"
    # Five codes in the last hour (``retry_at``).
    TOO_MANY = "too_many"
    # The contact policy does not allow this contact point now (opt-out, hours, a hold).
    POLICY = "policy"


@dataclass(frozen=True)
class CodeSending:
    """What ``send_code`` did: true when a code was queued (to ``contact_point``)."""

    sent: bool
    refusal: CodeRefusal | None = None
    contact_point: ContactPoint | None = None
    expires_at: dt.datetime | None = None
    retry_at: dt.datetime | None = None

    def __bool__(self) -> bool:
        return self.sent


def normalise_document(document: str) -> str:
    """Letters and digits only, upper case, without leading zeros (as documents are stored)."""
    compact = re.sub(r"[^0-9A-Za-z]", "", document or "").upper()
    return compact.lstrip("0") or compact


def find_customer_by_document(creditor: Creditor, document: str) -> Customer | None:
    """The creditor's customer with exactly this document number (normalised), or None.

    Several customers with the same number (different document types) is ambiguous: None.
    """
    compact = normalise_document(document)
    if len(compact) < 3:
        return None
    candidates = {compact, document.strip()}
    matches = list(Customer.objects.filter(creditor=creditor, document_number__in=candidates)[:2])
    return matches[0] if len(matches) == 1 else None


def document_key(creditor: Creditor, document: str) -> str:
    """An HMAC of the creditor and the normalised document: counts without storing the number."""
    key = str(settings.SECRET_KEY).encode()
    message = f"recaudo.document:{creditor.pk}:{normalise_document(document)}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


Counter = Verification | VerificationAttempt


def _locked_verification(customer: Customer) -> Verification:
    """The customer's verification row, created if needed and locked for this transaction."""
    verification = Verification.objects.select_for_update().filter(customer=customer).first()
    if verification is not None:
        return verification
    try:
        with transaction.atomic():
            # Inserted by this transaction: no one else sees it until it commits.
            return Verification.objects.create(customer=customer)
    except IntegrityError:  # created meanwhile by a concurrent check
        return Verification.objects.select_for_update().get(customer=customer)


def _locked_attempt(creditor: Creditor, key: str) -> VerificationAttempt:
    VerificationAttempt.objects.get_or_create(creditor=creditor, key_hash=key)
    return VerificationAttempt.objects.select_for_update().get(creditor=creditor, key_hash=key)


def _is_locked(counter: Counter, now: dt.datetime) -> bool:
    return counter.locked_until is not None and counter.locked_until > now


def _locked(counter: Counter) -> VerificationResult:
    return VerificationResult(Outcome.LOCKED, 0, counter.locked_until)


def _current_failures(counter: Counter, now: dt.datetime) -> int:
    """The failures still remembered: none once the last one is older than FAILURE_MEMORY."""
    last = counter.last_failure_at
    if counter.failures and (last is None or last <= now - FAILURE_MEMORY):
        return 0
    return counter.failures


def _fail(counter: Counter, now: dt.datetime) -> VerificationResult:
    # The row is locked: the increment cannot be lost to a concurrent wrong try.
    counter.failures = _current_failures(counter, now) + 1
    counter.last_failure_at = now
    fields = ["failures", "last_failure_at"]
    if counter.failures >= MAX_FAILURES:
        counter.failures = 0
        counter.locked_until = now + LOCK_DURATION
        fields.append("locked_until")
        if isinstance(counter, Verification):
            counter.code_hash = ""
            counter.code_expires_at = None
            fields += ["code_hash", "code_expires_at"]
        counter.save(update_fields=fields)
        return _locked(counter)
    counter.save(update_fields=fields)
    return VerificationResult(Outcome.WRONG, MAX_FAILURES - counter.failures)


def _succeed(verification: Verification) -> VerificationResult:
    if _clean(verification):
        return VerificationResult(Outcome.VERIFIED, MAX_FAILURES)
    verification.failures = 0
    verification.locked_until = None
    verification.last_failure_at = None
    verification.code_hash = ""
    verification.code_expires_at = None
    verification.save(
        update_fields=[
            "failures",
            "locked_until",
            "last_failure_at",
            "code_hash",
            "code_expires_at",
        ]
    )
    return VerificationResult(Outcome.VERIFIED, MAX_FAILURES)


def _clean(verification: Verification) -> bool:
    """Nothing for a success to reset (no failures, lock or code): no write needed."""
    return (
        verification.failures == 0
        and verification.locked_until is None
        and verification.last_failure_at is None
        and not verification.code_hash
        and verification.code_expires_at is None
    )


def lock_status(customer: Customer, *, now: dt.datetime) -> VerificationResult | None:
    """LOCKED (with when it ends) when the customer's verification is locked, else None."""
    verification = Verification.objects.filter(customer=customer).first()
    if verification is not None and _is_locked(verification, now):
        return _locked(verification)
    return None


def _document_matches(customer: Customer, document_digits: str) -> bool:
    digits = normalise_document(document_digits)
    # Leading zeros matter in a suffix ("0456"): compare on the raw alphanumerics.
    suffix = re.sub(r"[^0-9A-Za-z]", "", document_digits or "").upper()
    document = customer.document_number.upper()
    return (
        len(suffix) >= MIN_DOCUMENT_DIGITS
        and bool(digits)
        and (document.endswith(suffix) or normalise_document(document) == digits)
    )


def check_identity(
    customer: Customer, *, document_digits: str, birth_year: str, now: dt.datetime
) -> VerificationResult:
    """The last 4 (or more) characters of the document plus the birth year.

    Without a birth date on file nothing can match: a wrong answer like any other (counted), so
    the answer never tells what is on file; a code is the way for that customer.
    """
    with transaction.atomic():
        verification = _locked_verification(customer)
        if _is_locked(verification, now):
            return _locked(verification)
        matches = (
            customer.birth_date is not None
            and _document_matches(customer, document_digits)
            and birth_year.strip() == f"{customer.birth_date.year:04d}"
        )
        return _succeed(verification) if matches else _fail(verification, now)


def check_document(
    creditor: Creditor, *, document: str, birth_year: str, now: dt.datetime
) -> tuple[Customer | None, VerificationResult]:
    """A whole document number plus the birth year, whoever asks (the web chat, the terminal).

    An unknown document gets the same answers as a known one with a wrong year: its failures
    and lock are counted on a ``VerificationAttempt`` row (keyed by the document's HMAC), on
    every conversation. Returns the customer (when the document is theirs) and the result.
    """
    customer = find_customer_by_document(creditor, document)
    if customer is not None:
        return customer, check_identity(
            customer, document_digits=document, birth_year=birth_year, now=now
        )
    return None, fail_unknown_key(creditor, key=document_key(creditor, document), now=now)


def fail_unknown_key(creditor: Creditor, *, key: str, now: dt.datetime) -> VerificationResult:
    """Count a failed check (a year, a code) for a document that matches no customer, by its
    ``document_key``: WRONG with the attempts left, or LOCKED."""
    with transaction.atomic():
        attempt = _locked_attempt(creditor, key)
        if _is_locked(attempt, now):
            return _locked(attempt)
        return _fail(attempt, now)


def code_destinations(customer: Customer) -> list[ContactPoint]:
    """Active phones (mobiles, for SMS) and e-mails of the customer themselves."""
    points = ContactPoint.objects.filter(
        customer=customer,
        role=ContactRole.DEBTOR,
        status=ContactPointStatus.ACTIVE,
        medium__in=[Medium.PHONE, Medium.EMAIL],
    ).order_by("medium", "-verified", "id")
    destinations = []
    for point in points:
        if point.medium == Medium.PHONE:
            try:
                if not is_mobile(point.value):
                    continue
            except phonenumbers.NumberParseException:
                continue
        destinations.append(point)
    return destinations


def mask(contact_point: ContactPoint) -> str:
    """``+57 *** *** 4567`` or ``j***@correo.com``: enough to recognise, not to learn."""
    return mask_address(contact_point.value)


def _code_hash(customer: Customer, code: str) -> str:
    key = str(settings.SECRET_KEY).encode()
    message = f"recaudo.verification:{customer.pk}:{code}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def _code_channel(contact_point: ContactPoint) -> str:
    return Channel.EMAIL if contact_point.medium == Medium.EMAIL else Channel.SMS


def _policy_allows(customer: Customer, contact_point: ContactPoint, now: dt.datetime) -> bool:
    """Whether the contact policy lets a code go to ``contact_point`` now (opt-outs and the
    consent in force, holds, hours), checked as the sender will check it."""
    from recaudo.policy.context import contact_request_for_message
    from recaudo.policy.decide import decide

    message = Message(
        creditor_id=customer.creditor_id,
        customer=customer,
        contact_point=contact_point,
        direction=Direction.OUTBOUND,
        channel=_code_channel(contact_point),
        address=contact_point.value,
        recipient_role=contact_point.role,
        payload={"purpose": CODE_PURPOSE},
        initiated_by_customer=True,
    )
    return decide(contact_request_for_message(message, at=now)).allowed


def _rate_refusal(verification: Verification, now: dt.datetime) -> CodeSending | None:
    last = verification.last_code_sent_at
    if last is not None and last > now - CODE_INTERVAL:
        expires = verification.code_expires_at
        return CodeSending(
            False,
            CodeRefusal.TOO_SOON,
            expires_at=expires if expires is not None and expires > now else None,
            retry_at=last + CODE_INTERVAL,
        )
    start = verification.codes_window_start
    if (
        start is not None
        and start > now - CODE_WINDOW
        and verification.codes_sent >= CODES_PER_WINDOW
    ):
        expires = verification.code_expires_at
        return CodeSending(
            False,
            CodeRefusal.TOO_MANY,
            expires_at=expires if expires is not None and expires > now else None,
            retry_at=start + CODE_WINDOW,
        )
    return None


def send_code(customer: Customer, *, contact_point: ContactPoint, now: dt.datetime) -> CodeSending:
    """Queue a 6-digit code to ``contact_point`` (one of ``code_destinations``), valid for 10
    minutes; a new code replaces the previous one.

    The result is true when the code was queued. It is refused (false, with the reason) when
    the contact point cannot receive it, verification is locked, a code went less than a minute
    ago or five in the last hour (the limits are the customer's, on every channel and page), or
    the contact policy does not allow that contact point now.
    """
    if contact_point.pk not in {point.pk for point in code_destinations(customer)}:
        return CodeSending(False, CodeRefusal.NOT_A_DESTINATION)
    return _send_first(customer, [contact_point], now=now)


def send_code_to_preferred(customer: Customer, *, now: dt.datetime) -> CodeSending:
    """A code to the first of the customer's destinations the policy allows now: mobiles
    (SMS) before e-mails, verified ones first. Same limits and refusals as ``send_code``."""
    destinations = code_destinations(customer)
    destinations.sort(
        key=lambda point: (point.medium != Medium.PHONE, not point.verified, point.pk)
    )
    if not destinations:
        return CodeSending(False, CodeRefusal.NOT_A_DESTINATION)
    return _send_first(customer, destinations, now=now)


def _send_first(
    customer: Customer, destinations: list[ContactPoint], *, now: dt.datetime
) -> CodeSending:
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    with transaction.atomic():
        verification = _locked_verification(customer)
        if _is_locked(verification, now):
            return CodeSending(False, CodeRefusal.LOCKED, retry_at=verification.locked_until)
        refusal = _rate_refusal(verification, now)
        if refusal is not None:
            return refusal
        contact_point = next(
            (point for point in destinations if _policy_allows(customer, point, now)), None
        )
        if contact_point is None:
            return CodeSending(False, CodeRefusal.POLICY)
        window_start = verification.codes_window_start
        if window_start is None or window_start <= now - CODE_WINDOW:
            verification.codes_window_start = now
            verification.codes_sent = 0
        verification.codes_sent += 1
        verification.last_code_sent_at = now
        verification.code_hash = _code_hash(customer, code)
        verification.code_expires_at = now + CODE_VALIDITY
        verification.code_contact_point = contact_point
        verification.save(
            update_fields=[
                "code_hash",
                "code_expires_at",
                "code_contact_point",
                "codes_window_start",
                "codes_sent",
                "last_code_sent_at",
            ]
        )
        creditor_name = customer.creditor.name
        with translation.override(customer.language or settings.LANGUAGE_CODE):
            body = _(
                "Your %(creditor)s verification code is %(code)s. It expires in 10 minutes. "
                "Do not share it with anyone."
            ) % {"creditor": creditor_name, "code": code}
            subject = _("Your verification code")
        is_email = contact_point.medium == Medium.EMAIL
        queue_message(
            contact_point,
            channel=_code_channel(contact_point),
            body=body,
            subject=subject if is_email else "",
            payload={"purpose": CODE_PURPOSE},
            initiated_by_customer=True,
        )
    return CodeSending(True, contact_point=contact_point, expires_at=verification.code_expires_at)


def check_code(
    customer: Customer, *, code: str, now: dt.datetime, missing_is_wrong: bool = False
) -> VerificationResult:
    """The code sent by ``send_code``; UNAVAILABLE when none is pending or it expired (nothing
    counted), or, with ``missing_is_wrong``, a wrong answer like any other (the assistant: it
    must not tell whether a code was sent)."""
    code = re.sub(r"\D", "", code or "")
    with transaction.atomic():
        verification = _locked_verification(customer)
        if _is_locked(verification, now):
            return _locked(verification)
        expires = verification.code_expires_at
        if not verification.code_hash or expires is None or expires <= now:
            if missing_is_wrong:
                return _fail(verification, now)
            return VerificationResult(
                Outcome.UNAVAILABLE, MAX_FAILURES - _current_failures(verification, now)
            )
        if hmac.compare_digest(verification.code_hash, _code_hash(customer, code)):
            return _succeed(verification)
        return _fail(verification, now)
