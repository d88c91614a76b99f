"""What the media events answer and push: the types of http/asyncapi.yaml (written from
actions.public_view, media_urls and the progress/ready/failed pushes; tests/test_asyncapi.py
holds them to a live server)."""
from __future__ import annotations

from typing import Literal

import msgspec

from server.contract import Strict

UNSET = msgspec.UNSET


class Failure(Strict):
    code: str
    reason: str


class Rendition(Strict):
    """One rung of the HLS ladder (media/transcode.py)."""
    name: str
    width: int
    height: int
    playlist: str
    bandwidth: int
    average_bandwidth: int
    codecs: str
    segments: int


class Media(Strict):
    """One upload as its owner sees it; the URLs and video facts once `status` is ready,
    `error` once it failed. `created_at` is ISO 8601."""
    media_id: str
    status: str
    stage: str
    percent: int
    upload_length: int
    upload_offset: int
    filename: str | None
    created_at: str
    error: Failure | msgspec.UnsetType = UNSET
    hls: str | msgspec.UnsetType = UNSET
    poster: str | msgspec.UnsetType = UNSET
    preview: str | msgspec.UnsetType = UNSET
    duration_ms: int | None | msgspec.UnsetType = UNSET
    width: int | None | msgspec.UnsetType = UNSET
    height: int | None | msgspec.UnsetType = UNSET
    renditions: list[Rendition] | None | msgspec.UnsetType = UNSET


class Progress(Strict):
    """`retrying`: processing restarted after a worker was lost (the percent is kept)."""
    media_id: str
    stage: Literal["queued", "probing", "transcoding", "packaging"]
    percent: int
    retrying: bool | msgspec.UnsetType = UNSET


class Failed(Strict):
    media_id: str
    code: str
    reason: str


REPLIES = {"media:get": Media, "media:list": list[Media]}
PUSHES = {"media:progress": Progress, "media:ready": Media, "media:failed": Failed}
