"""Where finished media lives: a small interface, a local-folder implementation beside it.

Keys are relative paths like `<owner>/<media>/hls/720p/seg_00001.ts`. The sidecar serves
local files itself (byte ranges, content types, cache headers); a store that can mint
signed URLs (an S3-compatible bucket behind a CDN) returns one and the sidecar redirects.
Incomplete tus uploads are not here: they need appends, so they stay on the upload volume
(media/tus.py).
"""
from __future__ import annotations

import asyncio
import os
import shutil
from pathlib import Path
from typing import Protocol

from media.keys import content_type, safe_key

class Storage(Protocol):
    async def put_dir(self, prefix: str, local_dir: Path) -> int:
        """Copy every file under `local_dir` to `prefix/...`; returns bytes written.
        Re-running with the same files must give the same result (idempotent outputs)."""

    async def delete_prefix(self, prefix: str) -> None: ...

    async def exists(self, key: str) -> bool: ...

    def local_path(self, key: str) -> Path | None:
        """A file the sidecar can serve directly, or None (then ask `signed_url`)."""

    def signed_url(self, key: str, expires: int) -> str | None: ...


class LocalStorage:
    """A folder (MEDIA_ROOT/store). Files appear atomically: copied, fsynced, renamed."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        return self.root / safe_key(key)

    async def put_dir(self, prefix: str, local_dir: Path) -> int:
        return await asyncio.to_thread(self._put_dir, prefix, Path(local_dir))

    def _put_dir(self, prefix: str, local_dir: Path) -> int:
        total = 0
        # Segments first, playlists last: a reader never sees a playlist naming a missing file.
        files = sorted((p for p in local_dir.rglob("*") if p.is_file()),
                       key=lambda p: (p.suffix == ".m3u8", p.name == "master.m3u8", str(p)))
        for src in files:
            dst = self._path(f"{prefix}/{src.relative_to(local_dir).as_posix()}")
            dst.parent.mkdir(parents=True, exist_ok=True)
            tmp = dst.with_name(f".{dst.name}.{os.getpid()}.tmp")
            shutil.copyfile(src, tmp)
            os.replace(tmp, dst)
            total += dst.stat().st_size
        return total

    async def delete_prefix(self, prefix: str) -> None:
        path = self._path(prefix)
        await asyncio.to_thread(shutil.rmtree, path, True)

    async def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def local_path(self, key: str) -> Path | None:
        try:
            p = self._path(key)
        except ValueError:
            return None
        return p if p.is_file() else None

    def signed_url(self, key: str, expires: int) -> str | None:
        return None


def open_storage(cfg, settings) -> Storage:
    """The store MEDIA_STORAGE names (`local` by default, `s3` for an S3-compatible bucket)."""
    if cfg.storage == "local":
        return LocalStorage(cfg.store_dir)
    if cfg.storage == "s3":
        from media.s3 import S3Storage

        return S3Storage.from_settings(settings)
    raise ValueError(f"unknown MEDIA_STORAGE {cfg.storage!r}")


def media_storage(state) -> Storage:
    from media.config import media_config

    st = state.extras.get("media_storage")
    if st is None:
        st = state.extras["media_storage"] = open_storage(media_config(state), state.settings)
    return st
