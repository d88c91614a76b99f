"""Password hashing with argon2id (argon2-cffi), off the event loop.

Hashing costs ~tens of ms and 64 MiB by design, so it runs in a worker thread. A login for a
phone without an account still verifies against a dummy hash, so timing does not tell.
"""
from __future__ import annotations

import asyncio
import os

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from handlers.auth.config import AuthConfig
from server.errors import BadRequest

MIN_LENGTH, MAX_LENGTH = 8, 128


class Passwords:
    def __init__(self, cfg: AuthConfig):
        self.hasher = PasswordHasher(time_cost=cfg.argon2_time_cost,
                                     memory_cost=cfg.argon2_memory_kib,
                                     parallelism=cfg.argon2_parallelism, type=Type.ID)
        self._dummy: str | None = None
        # each hash holds argon2_memory_kib; bound how many run at once (memory, not speed)
        self._slots = asyncio.Semaphore(max(2, os.cpu_count() or 2))

    @staticmethod
    def check_policy(password: str) -> None:
        if not (MIN_LENGTH <= len(password) <= MAX_LENGTH):
            raise BadRequest(f"Password must be {MIN_LENGTH} to {MAX_LENGTH} characters",
                             code="weak_password")
        if len(set(password)) < 4:
            raise BadRequest("Password is too simple", code="weak_password")

    async def hash(self, password: str) -> str:
        async with self._slots:
            return await asyncio.to_thread(self.hasher.hash, password)

    async def verify(self, stored: str | None, password: str) -> bool:
        """True if it matches; a missing hash burns the same time and answers False."""
        if stored is None:
            if self._dummy is None:
                self._dummy = await self.hash("dummy-password-for-timing")
            stored, password = self._dummy, password + "\x00mismatch"
            await self._verify_in_thread(stored, password)
            return False
        return await self._verify_in_thread(stored, password)

    async def _verify_in_thread(self, stored: str, password: str) -> bool:
        async with self._slots:
            return await asyncio.to_thread(self._verify, stored, password)

    def _verify(self, stored: str, password: str) -> bool:
        try:
            return self.hasher.verify(stored, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, stored: str) -> bool:
        return self.hasher.check_needs_rehash(stored)
