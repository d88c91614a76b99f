"""Feed jobs for `python -m server worker` (and the in-process feed worker, lifecycle.py)."""
from __future__ import annotations

from handlers.feed.fanout_actions import (
                                  FANOUT_JOB,
                                  QUEUE,
                                  RETRACT_JOB,
                                  fanout_failed,
                                  run_fanout,
                                  run_retract,
)

QUEUES = (QUEUE,)
JOBS = {FANOUT_JOB: run_fanout, RETRACT_JOB: run_retract}
ON_FAILURE = {FANOUT_JOB: fanout_failed}
