"""A child process of a test whose output goes to a log file: read its tail, stop or kill it."""
from __future__ import annotations

import signal
import subprocess
from pathlib import Path


class ChildProcess:
    """Mixin for the `proc` + `log_path` pair that server and worker children both carry."""

    proc: subprocess.Popen | None
    log_path: Path | None

    def log_tail(self, n: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-n:]
        except (OSError, AttributeError):
            return ""

    def terminate(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        """SIGKILL: the child dies at once, acknowledging nothing more."""
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(5)

    def stop(self, timeout: float = 12) -> int | None:
        """SIGTERM, wait for a clean exit, SIGKILL after `timeout`; returns the exit code."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        return self.proc.returncode
