"""When advisers are working: the creditor's hours, Monday to Friday (and Saturdays when the
creditor says so), never on Sundays or the public holidays of the creditor's country."""

import datetime as dt
from functools import cache
from zoneinfo import ZoneInfo

import holidays as holiday_calendars

from recaudo.debts.models import Creditor

# How far ahead to look for an opening (a long run of holidays never reaches this).
HORIZON_DAYS = 31


@cache
def _holidays(country: str, year: int) -> frozenset[dt.date]:
    try:
        return frozenset(holiday_calendars.country_holidays(country.upper(), years=year))
    except NotImplementedError:
        return frozenset()


def is_working_day(creditor: Creditor, day: dt.date) -> bool:
    weekday = day.weekday()
    if weekday == 6 or (weekday == 5 and not creditor.adviser_saturdays):
        return False
    return day not in _holidays(creditor.country, day.year)


def next_adviser_time(creditor: Creditor, now: dt.datetime) -> dt.datetime:
    """``now`` when advisers are working, else the next opening; in the creditor's timezone."""
    zone = ZoneInfo(creditor.timezone)
    local = now.astimezone(zone)
    start, end = creditor.adviser_hours_start, creditor.adviser_hours_end
    for offset in range(HORIZON_DAYS):
        day = local.date() + dt.timedelta(days=offset)
        if not is_working_day(creditor, day):
            continue
        opening = dt.datetime.combine(day, start, tzinfo=zone)
        closing = dt.datetime.combine(day, end, tzinfo=zone)
        if local < opening:
            return opening
        if local < closing:
            return local
    return local
