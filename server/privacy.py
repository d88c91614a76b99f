"""PDPL (Egypt Law 151/2020) hooks: every domain says what it holds about a user.

A domain that stores personal data registers an exporter (returns JSON-able data for the
data-subject export) and an eraser (removes or pseudonymises it, inside the erasure
transaction; Redis/Qdrant/media cleanup goes in `after_commit`). The moderation/PDPL domain
drives them for `GET /v1/me/export` and `DELETE /v1/me`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Awaitable, Callable

import asyncpg

from server.state import AppState

Exporter = Callable[[asyncpg.Connection, str], Awaitable[Any]]
Eraser = Callable[[asyncpg.Connection, str], Awaitable[None]]
AfterErase = Callable[[AppState, str], Awaitable[None]]


@dataclass(frozen=True)
class PersonalData:
    domain: str
    export: Exporter
    erase: Eraser
    after_commit: AfterErase | None = None  # Redis keys, vectors, media files


HOLDERS: dict[str, PersonalData] = {}


def holds_personal_data(domain: str, *, export: Exporter, erase: Eraser,
                        after_commit: AfterErase | None = None) -> None:
    HOLDERS[domain] = PersonalData(domain, export, erase, after_commit)
