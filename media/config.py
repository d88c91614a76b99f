"""Media settings, from MEDIA_* environment variables (or `Settings.extra` in tests).

Kept here rather than in server/config.py: only media code reads them.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from server.config import Settings

DEFAULT_TYPES = ("video/mp4", "video/quicktime", "video/webm", "video/x-matroska",
                 "video/3gpp", "video/x-m4v", "application/octet-stream")


def _get(settings: Settings, name: str, default):
    raw = (settings.extra or {}).get(name)
    if raw is None:
        raw = os.environ.get(name)
    if raw in (None, ""):
        return default
    if isinstance(default, bool):
        return str(raw).lower() in ("1", "true", "yes", "on")
    if isinstance(default, tuple):
        return tuple(x.strip() for x in str(raw).split(",") if x.strip())
    return type(default)(raw)


@dataclass(frozen=True)
class MediaConfig:
    root: Path
    max_upload_bytes: int = 2 * 1024 ** 3  # one upload (tus Tus-Max-Size)
    daily_quota_bytes: int = 8 * 1024 ** 3  # bytes a user may start uploading per 24 h
    max_open_uploads: int = 5  # incomplete uploads per user at once
    upload_ttl: int = 24 * 3600  # seconds an incomplete upload lives (tus expiration)
    allowed_types: tuple[str, ...] = DEFAULT_TYPES  # Upload-Metadata filetype
    max_duration: float = 600.0  # seconds of video
    segment_seconds: float = 4.0  # HLS target segment length
    x264_preset: str = "superfast"  # faster than real time on 2 cores (docs/benchmarks.md)
    poster_at: float = 1.0  # seconds into the video (clamped to its length)
    preview_seconds: float = 3.0
    storage: str = "local"  # local | s3
    public_base: str = ""  # CDN origin in front of the storage, if any
    signed_url_ttl: int = 3600
    test_frame_delay: float = 0.0  # tests only: slow the transcoder down to kill it mid-way

    @property
    def uploads_dir(self) -> Path:
        return self.root / "uploads"

    @property
    def work_dir(self) -> Path:
        return self.root / "work"

    @property
    def store_dir(self) -> Path:
        return self.root / "store"

    @classmethod
    def from_settings(cls, settings: Settings) -> "MediaConfig":
        d = cls(root=Path(settings.media_root))
        return cls(root=Path(settings.media_root).resolve(), **{
            name: _get(settings, "MEDIA_" + name.upper(), getattr(d, name))
            for name in ("max_upload_bytes", "daily_quota_bytes", "max_open_uploads",
                         "upload_ttl", "allowed_types", "max_duration", "segment_seconds",
                         "x264_preset", "poster_at", "preview_seconds", "storage",
                         "public_base", "signed_url_ttl", "test_frame_delay")})


def media_config(state) -> MediaConfig:
    """This process's MediaConfig (built once, kept in state.extras)."""
    cfg = state.extras.get("media_config")
    if cfg is None:
        cfg = state.extras["media_config"] = MediaConfig.from_settings(state.settings)
    return cfg
