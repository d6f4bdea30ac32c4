"""The policy's inputs from the database, for the worker and the planner.

``load_policy_inputs`` reads everything ``decide`` needs about many customers in a constant
number of queries (seven per chunk of 5,000 customers); ``CustomerPolicyInputs.request`` then
builds a ``ContactRequest`` for one contact without touching the database again.
``contact_request_for_message`` does both for the message a worker is about to send.
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from functools import lru_cache
from typing import Any

import phonenumbers
from django.db.models import Q
from django.db.models.functions import Coalesce
from phonenumbers import timezone as phone_timezones
from phonenumbers.tzdata import TIMEZONE_DATA

from recaudo.channels.models import ATTEMPTED_STATUSES, Direction, Message, MessageStatus
from recaudo.customers.models import (
    CHANNELS_BY_MEDIUM,
    Consent,
    ConsentPurpose,
    ContactPoint,
    ContactPointStatus,
    Customer,
    Medium,
)
from recaudo.debts.models import (
    TERMINAL_STATUSES,
    Account,
    AccountStatus,
    Hold,
    Promise,
    PromiseStatus,
)
from recaudo.policy.jurisdictions import jurisdiction_code
from recaudo.policy.parsing import parse_creditor_limits
from recaudo.policy.rules import LOOKBACK, PURPOSES, zone
from recaudo.policy.types import ContactRequest, CreditorLimits, Interaction

CHUNK = 5000
UNKNOWN_ZONE = "Etc/Unknown"
STATUS_HOLDS = {AccountStatus.DISPUTE: "dispute", AccountStatus.LEGAL: "lawsuit_served"}
PAUSING_STATUSES = frozenset({AccountStatus.PROMISE, AccountStatus.PLAN})


@dataclass(frozen=True)
class AccountPolicyState:
    external_id: str
    holds: tuple[str, ...] = ()
    paused_until: datetime | None = None
    settled: bool = False


@dataclass(frozen=True)
class ContactPointPolicyState:
    role: str
    authorised_channels: frozenset[str] = frozenset()
    opted_out_channels: frozenset[str] = frozenset()


@dataclass(frozen=True)
class CustomerPolicyInputs:
    customer_id: int
    jurisdiction: str
    timezone: str
    # Extra candidate zones per recipient role, from the area codes of that role's phones.
    phone_timezones: Mapping[str, tuple[str, ...]]
    # None: the customer has no consent rows for collections at all.
    authorised_channels: tuple[str, ...] | None
    opted_out_channels: tuple[str, ...]
    contact_points: Mapping[int, ContactPointPolicyState]
    holds: tuple[str, ...]  # customer-wide holds
    accounts: Mapping[int, AccountPolicyState]
    history: tuple[Interaction, ...]
    creditor_limits: CreditorLimits = field(default_factory=CreditorLimits)
    preferred_channels: tuple[str, ...] = ()
    preferred_hours: tuple[time, time] | None = None

    def timezones(self, recipient_role: str = "debtor") -> tuple[str, ...]:
        zones = [self.timezone]
        for name in self.phone_timezones.get(recipient_role, ()):
            if name not in zones:
                zones.append(name)
        return tuple(zones)

    def request(
        self,
        *,
        channel: str,
        at: datetime,
        account: "Account | int | None" = None,
        recipient_role: str = "debtor",
        purpose: str = "dunning",
        initiated_by_customer: bool = False,
        contact_point: "ContactPoint | int | None" = None,
        exclude_message_ids: frozenset[int] = frozenset(),
    ) -> ContactRequest:
        account_id = account.pk if isinstance(account, Account) else account
        state = self.accounts.get(account_id) if account_id is not None else None
        point_id = contact_point.pk if isinstance(contact_point, ContactPoint) else contact_point
        point = self.contact_points.get(point_id) if point_id is not None else None
        authorised: tuple[str, ...] | None = self.authorised_channels
        opted_out = self.opted_out_channels
        if point is not None:
            opted_out = tuple(sorted(point.opted_out_channels))
            if authorised is not None:
                authorised = tuple(sorted(point.authorised_channels))
        holds = self.holds + (state.holds if state is not None else ())
        history = self.history
        if exclude_message_ids:
            history = tuple(event for event in history if id_of(event) not in exclude_message_ids)
        return ContactRequest(
            jurisdiction=self.jurisdiction,
            timezones=self.timezones(recipient_role),
            at=at,
            channel=channel,
            recipient_role=recipient_role,
            debt_id=state.external_id if state is not None else None,
            initiated_by_customer=initiated_by_customer,
            authorised_channels=authorised,
            opted_out_channels=opted_out,
            holds=tuple(dict.fromkeys(holds)),
            history=history,
            preferred_channels=self.preferred_channels,
            preferred_hours=self.preferred_hours,
            creditor_limits=self.creditor_limits,
            purpose=purpose,
            paused_until=state.paused_until if state is not None else None,
            debt_settled=state.settled if state is not None else False,
        )


@dataclass(frozen=True)
class LoggedInteraction(Interaction):
    """An interaction read from the log, with the id of its ``Message``."""

    message_id: int | None = None


def id_of(event: Interaction) -> int | None:
    return event.message_id if isinstance(event, LoggedInteraction) else None


@lru_cache(maxsize=65536)
def zones_of_phone(number: str) -> tuple[str, ...]:
    """The IANA zones of a phone number's area code; () when unknown."""
    whole_country = _zones_of_single_zone_country(number)
    if whole_country is not None:
        return whole_country
    try:
        parsed = phonenumbers.parse(number)
    except phonenumbers.NumberParseException:
        return ()
    names = phone_timezones.time_zones_for_number(parsed)
    found = []
    for name in names:
        if name == UNKNOWN_ZONE:
            continue
        try:
            zone(name)
        except (ValueError, OSError):
            continue
        found.append(name)
    return tuple(found)


def _zones_of_single_zone_country(number: str) -> tuple[str, ...] | None:
    """The zones of an E.164 number whose calling code has no finer zone data (+57, +51 ...),
    without parsing it: parsing every phone of a million customers costs seconds."""
    digits = number.removeprefix("+")
    for length in (1, 2, 3):
        prefix = digits[:length]
        if prefix in TIMEZONE_DATA:
            if prefix in _PREFIXES_WITH_FINER_DATA:
                return None
            return tuple(name for name in TIMEZONE_DATA[prefix] if name != UNKNOWN_ZONE)
    return None


_PREFIXES_WITH_FINER_DATA = frozenset(
    key[:length] for key in TIMEZONE_DATA for length in range(1, len(key))
)


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def _end_of_day(day: Any, zone_name: str) -> datetime:
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone(zone_name))


class _Loader:
    """The rows of one chunk of customers, grouped by customer."""

    def __init__(self, ids: list[int], at: datetime) -> None:
        self.at = at
        self.customers = list(Customer.objects.filter(id__in=ids).select_related("creditor"))
        self.points: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for point_row in ContactPoint.objects.filter(customer_id__in=ids).values(
            "id", "customer_id", "medium", "value", "role", "status"
        ):
            self.points[point_row["customer_id"]].append(dict(point_row))
        # Oldest first: the newest row per (contact point, channel) is the one left standing.
        self.consents: dict[int, dict[tuple[int, str], bool]] = defaultdict(dict)
        consents = (
            Consent.objects.filter(
                contact_point__customer_id__in=ids,
                purpose=ConsentPurpose.COLLECTIONS,
            )
            .order_by("at", "id")
            .values("contact_point_id", "contact_point__customer_id", "channel", "granted")
        )
        for consent_row in consents:
            key = (consent_row["contact_point_id"], consent_row["channel"])
            self.consents[consent_row["contact_point__customer_id"]][key] = consent_row["granted"]
        self.accounts: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for account_row in Account.objects.filter(customer_id__in=ids).values(
            "id", "customer_id", "external_id", "status", "balance"
        ):
            self.accounts[account_row["customer_id"]].append(dict(account_row))
        self.holds: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for hold_row in Hold.objects.filter(customer_id__in=ids, released_at__isnull=True).values(
            "customer_id", "account_id", "kind"
        ):
            self.holds[hold_row["customer_id"]].append(dict(hold_row))
        self.promises: dict[int, Any] = {}
        for promise_row in Promise.objects.filter(
            account__customer_id__in=ids, status=PromiseStatus.ACTIVE
        ).values("account_id", "promised_date"):
            current = self.promises.get(promise_row["account_id"])
            if current is None or promise_row["promised_date"] > current:
                self.promises[promise_row["account_id"]] = promise_row["promised_date"]
        self.messages: dict[int, list[LoggedInteraction]] = defaultdict(list)
        # What the rules look back over, and a day more for decisions later than ``at``.
        since = at - LOOKBACK - timedelta(days=1)
        messages = (
            Message.objects.filter(customer_id__in=ids)
            .annotate(happened_at=Coalesce("sent_at", "send_after", "created_at"))
            .filter(
                # Attempts: what a provider took, what another worker is sending right now,
                # and calls that never connected (the caps decide which of these they count).
                Q(direction=Direction.OUTBOUND, status__in=ATTEMPTED_STATUSES)
                | Q(direction=Direction.OUTBOUND, status=MessageStatus.SENDING)
                | Q(direction=Direction.OUTBOUND, status=MessageStatus.FAILED, connected=False)
                | Q(direction=Direction.INBOUND, status=MessageStatus.RECEIVED),
                happened_at__gte=since,
                happened_at__lte=at,
            )
            .order_by("happened_at", "id")
            .values(
                "id",
                "customer_id",
                "happened_at",
                "channel",
                "direction",
                "connected",
                "conversation",
                "account__external_id",
                "recipient_role",
                "initiated_by_customer",
            )
        )
        for message_row in messages:
            self.messages[message_row["customer_id"]].append(
                LoggedInteraction(
                    at=message_row["happened_at"],
                    channel=message_row["channel"],
                    direction=message_row["direction"],
                    connected=message_row["connected"],
                    conversation=message_row["conversation"],
                    debt_id=message_row["account__external_id"],
                    recipient_role=message_row["recipient_role"],
                    initiated_by_customer=message_row["initiated_by_customer"],
                    message_id=message_row["id"],
                )
            )

    def inputs(self, customer: Customer) -> CustomerPolicyInputs:
        points = self.points.get(customer.pk, [])
        consents = self.consents.get(customer.pk, {})
        point_states = {point["id"]: _point_state(point, consents) for point in points}
        authorised: tuple[str, ...] | None = None
        if consents:
            authorised = tuple(
                sorted(
                    {
                        channel
                        for state in point_states.values()
                        for channel in state.authorised_channels
                    }
                )
            )
        opted_out = tuple(
            sorted(
                {channel for state in point_states.values() for channel in state.opted_out_channels}
            )
        )
        phone_zones: dict[str, list[str]] = defaultdict(list)
        for point in points:
            if point["medium"] == Medium.PHONE and point["status"] != ContactPointStatus.INVALID:
                for name in zones_of_phone(point["value"]):
                    if name not in phone_zones[point["role"]]:
                        phone_zones[point["role"]].append(name)
        customer_holds: list[str] = []
        account_holds: dict[int, list[str]] = defaultdict(list)
        for hold in self.holds.get(customer.pk, []):
            if hold["account_id"] is None:
                customer_holds.append(hold["kind"])
            else:
                account_holds[hold["account_id"]].append(hold["kind"])
        accounts = {
            row["id"]: self._account_state(row, account_holds.get(row["id"], []), customer.timezone)
            for row in self.accounts.get(customer.pk, [])
        }
        preferred_hours = None
        if customer.preferred_hours_start is not None and customer.preferred_hours_end is not None:
            preferred_hours = (customer.preferred_hours_start, customer.preferred_hours_end)
        return CustomerPolicyInputs(
            customer_id=customer.pk,
            jurisdiction=jurisdiction_code(customer.country, customer.region),
            timezone=customer.timezone,
            phone_timezones={role: tuple(names) for role, names in phone_zones.items()},
            authorised_channels=authorised,
            opted_out_channels=opted_out,
            contact_points=point_states,
            holds=tuple(dict.fromkeys(customer_holds)),
            accounts=accounts,
            history=tuple(self.messages.get(customer.pk, [])),
            creditor_limits=parse_creditor_limits(
                customer.creditor.contact_limits or None, "Creditor.contact_limits"
            ),
            preferred_channels=tuple(
                channel
                for channel in (customer.preferred_channels or [])
                if isinstance(channel, str)
            ),
            preferred_hours=preferred_hours,
        )

    def _account_state(
        self, row: dict[str, Any], holds: list[str], zone_name: str
    ) -> AccountPolicyState:
        status = row["status"]
        if status in STATUS_HOLDS:
            holds = [*holds, STATUS_HOLDS[status]]
        paused_until = None
        promised = self.promises.get(row["id"])
        if status in PAUSING_STATUSES and promised is not None:
            end = _end_of_day(promised, zone_name)
            if end > self.at:
                paused_until = end
        return AccountPolicyState(
            external_id=row["external_id"],
            holds=tuple(dict.fromkeys(holds)),
            paused_until=paused_until,
            settled=status in TERMINAL_STATUSES or row["balance"] <= 0,
        )


def _point_state(
    point: dict[str, Any], consents: dict[tuple[int, str], bool]
) -> ContactPointPolicyState:
    channels = CHANNELS_BY_MEDIUM.get(point["medium"], ())
    if point["status"] == ContactPointStatus.OPTED_OUT:
        return ContactPointPolicyState(role=point["role"], opted_out_channels=frozenset(channels))
    granted = {channel for (pid, channel), ok in consents.items() if pid == point["id"] and ok}
    refused = {channel for (pid, channel), ok in consents.items() if pid == point["id"] and not ok}
    return ContactPointPolicyState(
        role=point["role"],
        authorised_channels=frozenset(granted),
        opted_out_channels=frozenset(refused),
    )


def load_policy_inputs(
    customer_ids: Iterable[int], *, at: datetime
) -> dict[int, CustomerPolicyInputs]:
    """Everything the policy needs about these customers as of ``at``, in 7 queries per chunk."""
    ids = sorted(set(customer_ids))
    found: dict[int, CustomerPolicyInputs] = {}
    for chunk in _chunks(ids):
        loader = _Loader(chunk, at)
        for customer in loader.customers:
            found[customer.pk] = loader.inputs(customer)
    return found


def _request_for(message: Message, inputs: CustomerPolicyInputs, at: datetime) -> ContactRequest:
    purpose = message.payload.get("purpose") if isinstance(message.payload, dict) else None
    if purpose not in PURPOSES:
        purpose = "reply" if message.initiated_by_customer else "dunning"
    return inputs.request(
        channel=message.channel,
        at=at,
        account=message.account_id,
        recipient_role=message.recipient_role,
        purpose=purpose,
        initiated_by_customer=message.initiated_by_customer,
        contact_point=message.contact_point_id,
        exclude_message_ids=frozenset({message.pk}) if message.pk else frozenset(),
    )


def contact_request_for_message(message: Message, *, at: datetime) -> ContactRequest:
    """The request for a queued message, right before sending it (the message itself excluded).

    The purpose comes from ``message.payload["purpose"]`` when it is one of ``PURPOSES``;
    otherwise ``reply`` for a message initiated by the customer, else ``dunning``.
    """
    if message.customer_id is None:
        raise ValueError("A message without a customer cannot be checked against the policy.")
    inputs = load_policy_inputs([message.customer_id], at=at)[message.customer_id]
    return _request_for(message, inputs, at)


def contact_requests_for_messages(
    messages: Iterable[Message], *, at: datetime
) -> dict[int, ContactRequest]:
    """``contact_request_for_message`` for a worker's whole batch in 7 queries, by message id.

    Messages without a customer are left out. Messages of the batch that are not sent yet are
    not in each other's history: check them one after the other if several go to one person.
    """
    batch = [message for message in messages if message.customer_id is not None]
    inputs = load_policy_inputs(
        {message.customer_id for message in batch if message.customer_id}, at=at
    )
    return {
        message.pk: _request_for(message, inputs[message.customer_id], at)
        for message in batch
        if message.customer_id in inputs
    }
