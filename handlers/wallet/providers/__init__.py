"""Payment providers: one small Protocol, one adapter per provider, one simulator each.

An adapter speaks the provider's documented wire format with a real HTTP client (aiohttp)
against `base_url`; in development and tests `base_url` points at the simulator in the
sibling `*_sim.py` module, which signs the same way and can misbehave on request.
"""
from __future__ import annotations

import hmac
import math
import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

from server.errors import AppError, BadRequest


@dataclass(frozen=True)
class PaymentRef:
    """What an adapter needs to start a payment."""

    payment_id: str
    merchant_ref: str
    user_id: str
    amount: int            # piastres
    method: str
    phone: str | None
    expires_at: datetime


@dataclass(frozen=True)
class Created:
    provider_ref: str | None
    instructions: dict[str, Any]


@dataclass(frozen=True)
class Callback:
    """An authenticated callback, reduced to what the ledger needs."""

    event_key: str                  # the provider's unique id of this notification/transaction
    merchant_ref: str | None = None
    provider_ref: str | None = None
    amount: int | None = None       # piastres the provider says were paid
    status: str = "pending"         # paid | failed | pending | expired
    sent_at: datetime | None = None
    raw: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Status:
    status: str                     # paid | pending | failed | expired | unknown
    amount: int | None = None
    provider_ref: str | None = None


@dataclass(frozen=True)
class Payout:
    ok: bool
    provider_ref: str | None = None
    reason: str = ""


class PaymentProvider(Protocol):
    name: str

    async def create_payment(self, p: PaymentRef) -> Created: ...

    async def query_status(self, merchant_ref: str, provider_ref: str | None) -> Status: ...

    async def payout(self, cashout_id: str, amount: int, destination: str) -> Payout: ...

    async def close(self) -> None: ...


class BadSignature(AppError):
    def __init__(self, message: str = "Callback signature does not verify"):
        super().__init__("bad_signature", message, status=401)


class ProviderUnavailable(AppError):
    def __init__(self, message: str):
        super().__init__("provider_unavailable", message, status=503)


MAX_EGP = 10 ** 10  # far above any payment; bounds every conversion below
_EGP_TEXT = re.compile(r"[0-9]{1,11}(\.[0-9]{1,6})?")


def bounded_egp(value: Any) -> Decimal | None:
    """An amount in EGP as a provider sends it (150 / 150.0 / '150.00'), or None when it is
    not of that bounded form (no exponents, Infinity, signs, non-ASCII digits, huge numbers).
    Checked before any conversion, so no input costs more than a few microseconds."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Decimal(value) if 0 <= value < MAX_EGP else None
    if isinstance(value, float):
        return Decimal(repr(value)) if math.isfinite(value) and 0 <= value < MAX_EGP else None
    if isinstance(value, str) and _EGP_TEXT.fullmatch(value):
        return Decimal(value)
    return None


def egp_to_piastres(value: Any) -> int:
    """'150.00' / 150.0 / 150 -> 15000; refuses fractions of a piastre and unbounded forms."""
    d = bounded_egp(value)
    if d is None:
        raise BadRequest("Amount is not a plain decimal number of EGP", code="invalid_amount")
    d *= 100
    if d != d.to_integral_value():
        raise BadRequest("Amount has fractions of a piastre", code="invalid_amount")
    return int(d)


def signatures_match(given: Any, expected: str) -> bool:
    """Constant-time comparison of a hex signature a caller sent (any type, any text) with
    ours: non-strings, non-ASCII text and absurd lengths simply do not match."""
    if not isinstance(given, str) or not given.isascii() or len(given) > 1024:
        return False
    return hmac.compare_digest(given.lower().encode(), expected.encode())


def piastres_to_egp(amount: int) -> str:
    """15000 -> '150.00' (providers sign amounts with two decimals)."""
    return f"{amount // 100}.{amount % 100:02d}"
