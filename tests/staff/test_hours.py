import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from recaudo.staff.hours import next_adviser_time
from tests.factories import make_creditor

pytestmark = pytest.mark.django_db
BOGOTA = ZoneInfo("America/Bogota")


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=BOGOTA)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        # Tuesday, inside the hours: now.
        (at(2026, 3, 10, 10, 0), at(2026, 3, 10, 10, 0)),
        # Tuesday, before opening: 8:00 the same day.
        (at(2026, 3, 10, 6, 30), at(2026, 3, 10, 8, 0)),
        # Tuesday at closing time: Wednesday 8:00.
        (at(2026, 3, 10, 18, 0), at(2026, 3, 11, 8, 0)),
        # Friday evening: Monday 8:00 (no Saturdays by default).
        (at(2026, 3, 13, 19, 0), at(2026, 3, 16, 8, 0)),
        # Friday before Monday 23 March 2026 (San José, a Colombian holiday): Tuesday.
        (at(2026, 3, 20, 18, 30), at(2026, 3, 24, 8, 0)),
        # 1 May (Labour Day) is a Friday in 2026: Monday 4 May.
        (at(2026, 4, 30, 20, 0), at(2026, 5, 4, 8, 0)),
    ],
)
def test_next_adviser_time_in_colombia(now: dt.datetime, expected: dt.datetime) -> None:
    creditor = make_creditor()
    result = next_adviser_time(creditor, now.astimezone(dt.UTC))
    assert result == expected
    assert result.tzinfo is not None and result.utcoffset() == dt.timedelta(hours=-5)


def test_saturdays_and_own_hours_and_country():
    creditor = make_creditor(
        adviser_saturdays=True,
        adviser_hours_start=dt.time(9, 0),
        adviser_hours_end=dt.time(13, 0),
    )
    assert next_adviser_time(creditor, at(2026, 3, 13, 14, 0)) == at(2026, 3, 14, 9, 0)
    # Sundays never.
    assert next_adviser_time(creditor, at(2026, 3, 14, 13, 30)) == at(2026, 3, 16, 9, 0)
    mexico = make_creditor(country="MX", timezone="America/Mexico_City")
    # 16 March 2026 is Benito Juárez's day in Mexico (third Monday of March).
    friday = dt.datetime(2026, 3, 13, 19, 0, tzinfo=ZoneInfo("America/Mexico_City"))
    assert next_adviser_time(mexico, friday) == dt.datetime(
        2026, 3, 17, 8, 0, tzinfo=ZoneInfo("America/Mexico_City")
    )
