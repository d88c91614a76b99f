"""Real `python -m server worker` child processes sharing a test's stores."""
from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from server.config import Settings
from tests.support.child import ChildProcess
from tests.support.stores import settings_env

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class WorkerProcess(ChildProcess):
    settings: Settings
    extra_env: dict = field(default_factory=dict)
    proc: subprocess.Popen | None = None
    log_path: Path | None = None
    name: str = "w"

    def start(self) -> "WorkerProcess":
        env = {**os.environ, **settings_env(self.settings), **self.extra_env,
               "PYTHONPATH": str(ROOT)}
        self.log_path = Path(f"/tmp/sawt-worker-{self.settings.database_schema}-{self.name}"
                             f"-{time.time_ns()}.log")
        with open(self.log_path, "wb") as log:  # the child keeps its own descriptor
            self.proc = subprocess.Popen([sys.executable, "-m", "server", "worker"], cwd=ROOT,
                                         env=env, stdout=log, stderr=subprocess.STDOUT)
        return self

    async def wait_ready(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"worker exited early:\n{self.log_tail()}")
            if "WORKER_READY" in self.log_tail(100_000):
                return
            await asyncio.sleep(0.1)
        raise TimeoutError(f"worker not ready:\n{self.log_tail()}")

    def stop(self, timeout: float = 15) -> int | None:
        return super().stop(timeout)
