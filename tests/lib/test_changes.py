import datetime as dt
from decimal import Decimal

from recaudo.lib.changes import field_changes, plain


def test_plain_keeps_json_values_and_writes_the_rest_as_exact_text():
    assert plain(Decimal("1500.5000")) == "1500.5"
    assert plain(dt.date(2026, 12, 1)) == "2026-12-01"
    assert plain({"a": 1}) == {"a": 1} and plain(None) is None and plain(3) == 3


def test_field_changes_names_new_and_changed_fields_only():
    before = {"segment": "temprana", "min_balance": Decimal("100"), "active": True}
    after = {"segment": "media", "min_balance": Decimal("100.00"), "active": True, "stages": []}

    assert field_changes(before, after) == {"segment": ["temprana", "media"], "stages": [None, []]}
