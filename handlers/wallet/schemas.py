"""Payloads of the wallet's socket events (msgspec; strict: 10.5 piastres is refused)."""
from __future__ import annotations

from typing import Annotated

import msgspec

Key = Annotated[str, msgspec.Meta(min_length=8, max_length=128)]
Id = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]


class Tip(msgspec.Struct, forbid_unknown_fields=True):
    creator_id: Id
    amount: int
    idempotency_key: Key
    currency: str = "EGP"
    stream_id: Id | None = None
    message: Annotated[str, msgspec.Meta(max_length=200)] | None = None


class Topup(msgspec.Struct, forbid_unknown_fields=True):
    provider: str                     # fawry | paymob | instapay
    amount: int
    idempotency_key: Key
    currency: str = "EGP"
    method: str | None = None         # paymob: vodafone_cash | orange_cash
    phone: str | None = None          # paymob wallet number


class ConfirmInstaPay(msgspec.Struct, forbid_unknown_fields=True):
    payment_id: Id
    bank_reference: Annotated[str, msgspec.Meta(min_length=3, max_length=64)]
    amount: int


class SetTier(msgspec.Struct, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=40)]
    price: int
    active: bool = True


class ListTiers(msgspec.Struct, forbid_unknown_fields=True):
    creator_id: Id


class Subscribe(msgspec.Struct, forbid_unknown_fields=True):
    tier_id: Id
    idempotency_key: Key


class CancelSubscription(msgspec.Struct, forbid_unknown_fields=True):
    subscription_id: Id


class Cashout(msgspec.Struct, forbid_unknown_fields=True):
    amount: int
    method: str                       # mobile_wallet | instapay
    destination: Annotated[str, msgspec.Meta(min_length=3, max_length=64)]
    idempotency_key: Key
    currency: str = "EGP"


class ReviewCashout(msgspec.Struct, forbid_unknown_fields=True):
    cashout_id: Id
    decision: str                     # approve | reject
    note: Annotated[str, msgspec.Meta(max_length=500)] = ""


class CashoutId(msgspec.Struct, forbid_unknown_fields=True):
    cashout_id: Id


class History(msgspec.Struct, forbid_unknown_fields=True):
    before: int | None = None
    limit: Annotated[int, msgspec.Meta(ge=1, le=100)] = 50


class Metrics(msgspec.Struct, forbid_unknown_fields=True):
    since: str                        # YYYY-MM-DD (Africa/Cairo days), inclusive
    until: str                        # YYYY-MM-DD, inclusive
