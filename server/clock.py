"""The app's clock. Tests replace it (`state.extras["clock"] = lambda: some_datetime`) to
expire stories without waiting 24 hours; everything that compares with "now" asks here and
passes the value to SQL instead of calling now() there."""
from __future__ import annotations

from datetime import datetime, timezone

from server.state import AppState


def now(state: AppState) -> datetime:
    clock = state.extras.get("clock")
    return clock() if clock is not None else datetime.now(timezone.utc)
