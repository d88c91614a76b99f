"""Moderation at process start: the lists and the model are built before the first text.

Building them (word lists, their Franco/skeleton variants, the n-gram model) is ~0.5 s of
CPU; done lazily it ran on the event loop inside the first `moderate_text` of a process and
held every socket of that process (found by the loop-stall guard). A thread does it here.
"""
from __future__ import annotations

import asyncio

from handlers.moderation.engine import default_moderator


async def startup(state) -> None:
    await asyncio.to_thread(default_moderator)
