"""Payment providers: one small Protocol, one adapter per provider, one simulator each.

An adapter speaks the provider's documented wire format with a real HTTP client (aiohttp)
against `base_url`; in development and tests `base_url` points at the simulator in the
sibling `*_sim.py` module, which signs the same way and can misbehave on request.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
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


def egp_to_piastres(value: Any) -> int:
    """'150.00' / 150.0 / 150 -> 15000; refuses fractions of a piastre."""
    try:
        d = Decimal(str(value)) * 100
    except (InvalidOperation, ValueError):
        raise BadRequest("Amount is not a number", code="invalid_amount") from None
    if d != d.to_integral_value():
        raise BadRequest("Amount has fractions of a piastre", code="invalid_amount")
    return int(d)


def piastres_to_egp(amount: int) -> str:
    """15000 -> '150.00' (providers sign amounts with two decimals)."""
    return f"{amount // 100}.{amount % 100:02d}"
