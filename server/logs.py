"""JSON logs, one line per event, carrying socket id / request id / user id from contextvars.

Every line is one JSON object, the stdlib `logging` records of libraries and the engine too
(a traceback is a string field, never lines of plain text). A line whose exception is a
store outage is counted by server.outages instead of written.
"""
from __future__ import annotations

import logging
import sys

import structlog

from server.outages import OutageFilter, drop_outage_lines

_configured = False


def configure_logging(level: str = "INFO") -> None:
    global _configured
    if _configured:
        return
    _configured = True
    lvl = getattr(logging, level.upper(), logging.INFO)
    shared = [structlog.stdlib.add_log_level,
              structlog.processors.TimeStamper(fmt="iso", utc=True)]
    handler = logging.StreamHandler(sys.stdout)
    handler.addFilter(OutageFilter())
    handler.setFormatter(structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[structlog.stdlib.add_logger_name, *shared],
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                    structlog.processors.format_exc_info,
                    structlog.processors.JSONRenderer()]))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(lvl)
    logging.captureWarnings(True)  # Python warnings become JSON lines too, not stderr text
    for noisy in ("aiohttp.access", "engineio.server", "socketio.server"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            drop_outage_lines,
            *shared,
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(lvl),
        logger_factory=structlog.PrintLoggerFactory(sys.stdout),
        cache_logger_on_first_use=True,
    )
