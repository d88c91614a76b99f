"""What the wallet events answer and push: the types of http/asyncapi.yaml (written from
actions.py, payment_actions.py, subscription_actions.py, creator_actions.py, the providers'
instructions and queries.py; tests/test_asyncapi.py holds them to a live server). Money is
integer piastres; times are ISO 8601; `replayed`: this idempotency key was seen before and
the first answer is repeated."""
from __future__ import annotations

from typing import Literal

import msgspec

from server.contract import Strict

UNSET = msgspec.UNSET


class Balances(Strict):
    wallet: int
    earnings: int


class BalancePush(Strict):
    """A balance moved; `as_of` orders pushes (the transfer that moved it)."""
    as_of: int
    wallet: int | msgspec.UnsetType = UNSET
    earnings: int | msgspec.UnsetType = UNSET


class Entry(Strict):
    entry_id: int
    transfer_id: int
    kind: str
    account: Literal["wallet", "earnings"]
    amount: int
    ref: str | None
    payer_id: str | None
    payee_id: str | None
    created_at: str


class History(Strict):
    items: list[Entry]
    next_before: int | None


class Tip(Strict):
    tip_id: int
    creator_id: str
    from_id: str
    amount: int
    fee: int
    net: int
    stream_id: str | None
    replayed: bool
    balance: int | msgspec.UnsetType = UNSET


class TipPush(Strict):
    """A tip shown in a live stream's room."""
    tip_id: int
    creator_id: str
    from_id: str
    amount: int
    fee: int
    net: int
    stream_id: str | None
    from_name: str
    message: str | None


class Instructions(Strict):
    """How to pay, per provider (`kind`): a Fawry reference, an InstaPay transfer, or a
    Paymob wallet checkout."""
    kind: Literal["fawry_reference", "instapay_request", "paymob_checkout"]
    how: str
    amount_egp: str | msgspec.UnsetType = UNSET
    fawry_reference: str | msgspec.UnsetType = UNSET
    pay_to: str | msgspec.UnsetType = UNSET
    reference: str | msgspec.UnsetType = UNSET
    wallet: str | msgspec.UnsetType = UNSET
    client_secret: str | msgspec.UnsetType = UNSET
    checkout_url: str | msgspec.UnsetType = UNSET


class Payment(Strict):
    payment_id: str
    provider: str
    method: str | None
    amount: int
    status: str
    reference: str
    instructions: Instructions
    expires_at: str | None
    replayed: bool | msgspec.UnsetType = UNSET


class Settled(Strict):
    status: str
    payment_id: str


class TopupPush(Strict):
    payment_id: str
    status: Literal["paid", "failed", "expired"]
    amount: int


class Tier(Strict):
    id: str
    name: str
    price: int
    active: bool


class Tiers(Strict):
    tiers: list[Tier]


class Subscribed(Strict):
    subscription_id: str
    tier_id: str
    creator_id: str
    status: str
    price: int
    current_period_end: str
    transfer_id: int
    replayed: bool


class Unsubscribed(Strict):
    subscription_id: str
    cancel_at_period_end: bool
    current_period_end: str


class Subscription(Strict):
    id: str
    creator_id: str
    tier: str
    price: int
    status: str
    current_period_end: str
    cancel_at_period_end: bool
    grace_until: str | None


class Subscriptions(Strict):
    subscriptions: list[Subscription]


class SubscriptionPush(Strict):
    subscription_id: str
    status: Literal["active", "grace", "lapsed", "canceled"]
    current_period_end: str | msgspec.UnsetType = UNSET
    grace_until: str | msgspec.UnsetType = UNSET


class CashoutRequested(Strict):
    cashout_id: str
    status: str
    amount: int
    method: str
    hold_transfer_id: int
    replayed: bool


class CashoutEvent(Strict):
    from_status: str | None
    to_status: str
    actor_id: str | None
    note: str | None
    at: str


class Cashout(Strict):
    """A cash-out request and its history (`events`)."""
    id: str
    user_id: str
    amount: int
    method: str
    destination: str
    status: str
    hold_transfer_id: int | None
    final_transfer_id: int | None
    provider_ref: str | None
    created_at: str
    updated_at: str
    events: list[CashoutEvent]


class Reviewed(Strict):
    cashout_id: str
    status: Literal["rejected", "paid", "failed"]
    provider_ref: str | msgspec.UnsetType = UNSET
    reason: str | msgspec.UnsetType = UNSET


class CashoutPush(Strict):
    cashout_id: str
    status: str
    note: str | None | msgspec.UnsetType = UNSET
    provider_ref: str | msgspec.UnsetType = UNSET


class Day(Strict):
    day: str
    source: str
    count: int
    gross: int
    net: int


class Totals(Strict):
    gross: int
    net: int


class Supporter(Strict):
    user_id: str
    display_name: str | None
    total: int
    count: int


class TierCount(Strict):
    tier_id: str
    name: str
    price: int
    active: int
    grace: int
    new_in_range: int


class ViewerSample(Strict):
    at: int  # ms since the epoch
    count: int


class StreamViewers(Strict):
    """The distinct-viewer count of the creator's latest stream: 0 when it went live, then a
    sample whenever it changed."""
    stream_id: str
    title: str
    started_at: str
    samples: list[ViewerSample]


class Metrics(Strict):
    since: str
    until: str
    earnings_by_day: list[Day]
    totals: Totals
    top_supporters: list[Supporter]
    subscribers: list[TierCount]
    latest_stream_viewers: StreamViewers | None


REPLIES = {
    "wallet:balance": Balances, "wallet:history": History, "wallet:tip": Tip,
    "wallet:topup": Payment, "wallet:instapay_confirm": Settled, "wallet:tier_set": Tier,
    "wallet:tiers": Tiers, "wallet:subscribe": Subscribed, "wallet:unsubscribe": Unsubscribed,
    "wallet:subscriptions": Subscriptions, "wallet:cashout": CashoutRequested,
    "wallet:cashout_status": Cashout, "wallet:cashout_review": Reviewed,
    "wallet:metrics": Metrics,
}
PUSHES = {"wallet:balance": BalancePush, "wallet:tip": TipPush, "wallet:topup": TopupPush,
          "wallet:subscription": SubscriptionPush, "wallet:cashout": CashoutPush}
