"""The dashboards' figures as flat rows, written as CSV or XLSX.

One row per figure: ``section, metric, dimension, key, value``. Ratios are fractions (0.125 for
12.5 %), seconds and ratings plain numbers, money in the creditor's currency; a ratio with no
denominator is an empty cell.
"""

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from openpyxl import Workbook

from recaudo.analytics.queries import Dashboard, Ratio
from recaudo.lib.spreadsheet import safe_cell

HEADER = ("section", "metric", "dimension", "key", "value")

Value = int | float | Decimal | str | None


@dataclass(frozen=True)
class Row:
    section: str
    metric: str
    dimension: str
    key: str
    value: Value


def _value(value: Value | Ratio) -> Value:
    if isinstance(value, Ratio):
        fraction = value.value
        return None if fraction is None else round(fraction, 6)
    return value


def rows(dashboard: Dashboard) -> Iterator[Row]:
    """Every figure of the dashboard, in the order the page shows them."""

    def row(
        section: str, metric: str, value: Value | Ratio, dimension: str = "", key: str = ""
    ) -> Row:
        return Row(section, metric, dimension, key, _value(value))

    filters = dashboard.filters
    yield row("filters", "start", filters.start.isoformat())
    yield row("filters", "end", filters.end.isoformat())
    yield row("filters", "segment", filters.segment or "all")

    portfolio = dashboard.portfolio
    yield row("portfolio", "as_of", portfolio.as_of.isoformat() if portfolio.as_of else None)
    yield row("portfolio", "accounts", portfolio.accounts)
    yield row("portfolio", "balance", portfolio.balance)
    yield row("portfolio", "overdue", portfolio.overdue)
    for dimension, lines in (
        ("stage", portfolio.by_stage),
        ("bucket", portfolio.by_bucket),
        ("segment", portfolio.by_segment),
    ):
        for line in lines:
            yield row("portfolio", "accounts", line.accounts, dimension, line.key)
            yield row("portfolio", "balance", line.balance, dimension, line.key)
            yield row("portfolio", "overdue", line.overdue, dimension, line.key)

    contact = dashboard.contact
    for contact_line, dimension in [
        (contact.total, ""),
        *((each, "channel") for each in contact.by_channel),
    ]:
        for metric, value in (
            ("attempts", contact_line.attempts),
            ("connected", contact_line.connected),
            ("right_party", contact_line.right_party),
            ("delivered", contact_line.delivered),
            ("read", contact_line.read),
            ("replied", contact_line.replied),
            ("blocked", contact_line.blocked),
            ("contactability", contact_line.contactability),
            ("right_party_rate", contact_line.right_party_rate),
            ("delivery_rate", contact_line.delivery_rate),
            ("read_rate", contact_line.read_rate),
            ("reply_rate", contact_line.reply_rate),
        ):
            yield row("contact", metric, value, dimension, contact_line.channel)

    agreements = dashboard.agreements
    for metric, tally in (
        ("promises_made", agreements.promises_made),
        ("promises_kept", agreements.promises_kept),
        ("promises_broken", agreements.promises_broken),
        ("plans_agreed", agreements.plans_agreed),
        ("plans_broken", agreements.plans_broken),
        ("plans_active", agreements.plans_active),
    ):
        yield row("agreements", metric, tally.count)
        yield row("agreements", f"{metric}_amount", tally.amount)
    yield row("agreements", "promise_kept_rate", agreements.promise_kept_rate)
    yield row("agreements", "promise_broken_rate", agreements.promise_broken_rate)
    for metric, sources in (
        ("promises_made", agreements.promises_by_source),
        ("plans_agreed", agreements.plans_by_source),
    ):
        for source in sources:
            yield row("agreements", metric, source.count, "source", source.source)

    recovery = dashboard.recovery
    yield row("recovery", "payments", recovery.payments)
    yield row("recovery", "amount", recovery.amount)
    yield row("recovery", "opening_balance", recovery.opening_balance)
    yield row("recovery", "share_of_balance", recovery.share_of_balance)
    for dimension, recovery_lines in (
        ("bucket", recovery.by_bucket),
        ("strategy", recovery.by_strategy),
        ("variant", recovery.by_variant),
        ("source", recovery.by_source),
    ):
        for recovery_line in recovery_lines:
            yield row("recovery", "payments", recovery_line.payments, dimension, recovery_line.key)
            yield row("recovery", "amount", recovery_line.amount, dimension, recovery_line.key)
            yield row(
                "recovery",
                "share_of_balance",
                recovery_line.share_of_balance,
                dimension,
                recovery_line.key,
            )
    for day in recovery.by_day:
        yield row("recovery", "payments", day.payments, "day", day.day.isoformat())
        yield row("recovery", "amount", day.amount, "day", day.day.isoformat())

    transitions = dashboard.transitions
    yield row("transitions", "cure_rate", transitions.cure_rate)
    yield row("transitions", "roll_rate", transitions.roll_rate)
    for transition in transitions.rows:
        yield row(
            "transitions",
            "accounts_at_start",
            transition.accounts_at_start,
            "bucket",
            transition.from_bucket,
        )
        yield row(
            "transitions", "cure_rate", transition.cure_rate, "bucket", transition.from_bucket
        )
        yield row(
            "transitions", "roll_rate", transition.roll_rate, "bucket", transition.from_bucket
        )
        for cell in transition.cells:
            key = f"{transition.from_bucket}>{cell.to_bucket}"
            if cell.accounts:
                yield row("transitions", "accounts", cell.accounts, "transition", key)
                yield row("transitions", "rate", cell.rate, "transition", key)

    self_service = dashboard.self_service
    yield row("self_service", "payments", self_service.self_service_payments)
    yield row("self_service", "payment_share", self_service.payment_share)
    yield row("self_service", "agreements", self_service.self_service_agreements)
    yield row("self_service", "agreement_share", self_service.agreement_share)

    service = dashboard.service
    for service_line, dimension in [
        (service.total, ""),
        *((each, "channel") for each in service.by_channel),
    ]:
        for metric, value in (
            ("conversations", service_line.conversations),
            ("handed_off", service_line.handed_off),
            ("containment", service_line.containment),
            ("assistant_first_response_seconds", service_line.assistant_first_response),
            ("agent_first_response_seconds", service_line.agent_first_response),
            ("satisfaction", service_line.satisfaction),
        ):
            yield row("service", metric, value, dimension, service_line.channel)

    costs = dashboard.costs
    yield row("costs", "cost", costs.cost)
    yield row("costs", "cost_per_unit_recovered", costs.cost_per_unit_recovered)
    for cost_line in costs.by_channel:
        yield row("costs", "messages", cost_line.messages, "channel", cost_line.channel)
        yield row("costs", "cost", cost_line.cost, "channel", cost_line.channel)
        yield row(
            "costs", "cost_per_message", cost_line.cost_per_message, "channel", cost_line.channel
        )
    for channel, unit_cost in sorted(costs.configured.items()):
        yield row("costs", "unit_cost", unit_cost, "channel", channel)


def _text(value: Value) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value else "0"
    return str(value)


def _cells(line: Row) -> tuple[Value, ...]:
    """The row's cells, every text one safe from formula injection (a segment, a strategy or a
    variant name is typed by users); numbers stay numbers."""
    return tuple(
        safe_cell(cell)
        for cell in (line.section, line.metric, line.dimension, line.key, line.value)
    )


def to_csv(dashboard: Dashboard) -> bytes:
    """UTF-8 with a byte-order mark, so Excel opens accents right."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADER)
    for line in rows(dashboard):
        *labels, value = _cells(line)
        writer.writerow((*labels, _text(value)))
    return buffer.getvalue().encode("utf-8-sig")


def to_xlsx(dashboard: Dashboard) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("dashboard")
    sheet.append(HEADER)
    for line in rows(dashboard):
        sheet.append(_cells(line))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
