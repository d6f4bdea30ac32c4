"""The page's own bookkeeping: one-time form keys that make a double submit harmless.

Business writes (payments, plans, statements, preferences) go through the actions of their
apps; this only records that a form was submitted and where it led.
"""

import secrets

from django.db import IntegrityError, transaction

from recaudo.customers.models import Customer
from recaudo.selfservice.models import FormSubmission


def new_form_key() -> str:
    return secrets.token_urlsafe(24)


def claim_form(customer: Customer, key: str) -> tuple[FormSubmission | None, bool]:
    """The submission for ``key`` and whether this request claimed it (False: a repeat).
    None when the key belongs to another customer."""
    try:
        with transaction.atomic():
            return FormSubmission.objects.create(key=key, customer=customer), True
    except IntegrityError:
        existing = FormSubmission.objects.filter(key=key, customer=customer).first()
        return existing, False


def complete_form(submission: FormSubmission, redirect_to: str) -> None:
    FormSubmission.objects.filter(pk=submission.pk).update(redirect_to=redirect_to)


def release_form(submission: FormSubmission) -> None:
    """The action refused or failed: the same form may be submitted again."""
    FormSubmission.objects.filter(pk=submission.pk).delete()
