"""Real server processes on free loopback ports, started and stopped by the tests."""
from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from server.config import Settings
from tests.support.child import ChildProcess
from tests.support.stores import settings_env

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class ServerProcess(ChildProcess):
    """One `python -m server serve` child process."""

    settings: Settings
    port: int
    proc: subprocess.Popen | None = None
    extra_env: dict = field(default_factory=dict)
    log_path: Path | None = None

    def stalls(self) -> list[str]:
        """The `loop_stalled` lines this server logged (LOOP_STALL_SECONDS)."""
        try:
            text = self.log_path.read_text(errors="replace")
        except (OSError, AttributeError):
            return []
        return [line for line in text.splitlines() if '"loop_stalled"' in line]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "ServerProcess":
        env = {**os.environ, **settings_env(self.settings), **self.extra_env,
               "PYTHONPATH": str(ROOT)}
        env["MIGRATE_ON_START"] = "1"
        self.log_path = Path(f"/tmp/sawt-test-{self.settings.database_schema}-{self.port}.log")
        with open(self.log_path, "wb") as log:  # the child keeps its own descriptor
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "server", "serve", "--host", "127.0.0.1",
                 "--port", str(self.port)], cwd=ROOT, env=env, stdout=log,
                stderr=subprocess.STDOUT)
        return self

    async def wait_ready(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        async with aiohttp.ClientSession() as http:
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"server exited early:\n{self.log_tail()}")
                try:
                    async with http.get(self.url + "/readyz") as r:
                        if r.status == 200:
                            return
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.1)
        raise TimeoutError(f"server on {self.port} not ready:\n{self.log_tail()}")

    async def start_ready(self, attempts: int = 3) -> "ServerProcess":
        """Start and wait until ready; a port taken between free_port() and bind is retried
        on another port (other processes on the machine pick ports too)."""
        for attempt in range(attempts):
            self.start()
            try:
                await self.wait_ready()
                return self
            except RuntimeError:
                if "address already in use" not in self.log_tail() or attempt == attempts - 1:
                    raise
                self.port = free_port()
        return self
