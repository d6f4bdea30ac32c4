"""The login lock key and the audit log's masking of document numbers."""

import pytest
from django.test import RequestFactory

from recaudo.staff.actions import login_lock_key, record_audit
from recaudo.staff.models import AuditAction

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("ana", "ana"),
        ("  ANA ", "ana"),
        ("\uff41na", "ana"),  # full-width a
        ("Stra\u00dfe", "strasse"),  # casefold, not lower
        ("x" * 200, "x" * 150),
    ],
)
def test_the_lock_key_normalises_like_django(typed, key):
    assert login_lock_key(typed) == key


@pytest.mark.parametrize(
    ("url", "stored"),
    [
        (
            "/console/customers/?q=1020304050",
            "/console/customers/?q=%E2%80%A2%E2%80%A2%E2%80%A2%E2%80%A2+4050",
        ),
        (
            "/console/compliance/audit/?customer=1020304050&action=viewed_customer",
            "/console/compliance/audit/?customer=%E2%80%A2%E2%80%A2%E2%80%A2%E2%80%A2+4050"
            "&action=viewed_customer",
        ),
        (
            "/x/?document=99887766&page=2",
            "/x/?document=%E2%80%A2%E2%80%A2%E2%80%A2%E2%80%A2+7766&page=2",
        ),
        ("/console/customers/7/", "/console/customers/7/"),
        ("/console/inbox/?status=open", "/console/inbox/?status=open"),
    ],
)
def test_the_audit_path_masks_document_numbers(url, stored):
    request = RequestFactory().get(url)

    entry = record_audit(None, AuditAction.VIEWED_CUSTOMER, request=request)

    assert entry.path == stored
    assert "1020304050" not in entry.path and "99887766" not in entry.path


def test_the_audit_detail_masks_document_numbers_in_its_filters():
    entry = record_audit(
        None,
        AuditAction.VIEWED_CUSTOMER,
        detail={"view": "audit", "filters": {"customer": "1020304050", "action": "login"}},
    )

    assert entry.detail == {
        "view": "audit",
        "filters": {"customer": "•••• 4050", "action": "login"},
    }
