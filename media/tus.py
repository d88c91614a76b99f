"""tus 1.0.0 resumable uploads: the protocol's headers and the bytes of incomplete uploads.

Protocol: https://tus.io/protocols/resumable-upload (core + creation, creation-with-upload,
termination, checksum, expiration). The HTTP routes (handlers/media/routes.py) speak HTTP
and keep the upload rows in PostgreSQL; this module knows the headers and the files.

Bytes of an upload in progress are one append-only file per upload under
MEDIA_ROOT/uploads (a volume every server node mounts). The file's size is the upload's
offset, so an upload resumes at whatever byte the last request (or process) stopped at,
also after a restart. Chunks that carry Upload-Checksum are verified before they count:
a mismatch, or a checksummed request cut short, truncates the file back.
"""
from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import os
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import format_datetime
from pathlib import Path
from typing import AsyncIterator

from server.errors import AppError

TUS_VERSION = "1.0.0"
EXTENSIONS = ("creation", "creation-with-upload", "termination", "checksum", "expiration")
CHECKSUMS = {"sha1": hashlib.sha1, "sha256": hashlib.sha256, "md5": hashlib.md5}
OFFSET_CONTENT_TYPE = "application/offset+octet-stream"
# tus: Upload-Length and Upload-Offset are non-negative integers, i.e. ASCII digits (Python's
# int() would also take "1_000", "+1000", " 1000" and Arabic-Indic digits)
_DIGITS = re.compile(r"[0-9]{1,19}")


class ChecksumMismatch(AppError):
    def __init__(self) -> None:
        super().__init__("checksum_mismatch", "Upload-Checksum does not match the chunk",
                         status=460)


def discovery_headers(max_size: int) -> dict[str, str]:
    """What OPTIONS answers: the server's version, extensions, limits, checksums."""
    return {"Tus-Resumable": TUS_VERSION, "Tus-Version": TUS_VERSION,
            "Tus-Extension": ",".join(EXTENSIONS), "Tus-Max-Size": str(max_size),
            "Tus-Checksum-Algorithm": ",".join(CHECKSUMS)}


def check_resumable(header: str | None) -> None:
    """Every request but OPTIONS names the protocol version it speaks (412 otherwise)."""
    if header != TUS_VERSION:
        raise AppError("tus_version_unsupported",
                       f"Tus-Resumable {header!r} is not supported; this server speaks "
                       f"{TUS_VERSION}", status=412)


def parse_length(header: str | None, max_size: int) -> int:
    if header is None:
        raise AppError("upload_length_required", "Upload-Length is required "
                       "(Upload-Defer-Length is not supported)", status=400)
    if not _DIGITS.fullmatch(header):
        raise AppError("invalid_upload_length", "Upload-Length must be ASCII digits")
    length = int(header)
    if length <= 0:
        raise AppError("invalid_upload_length", "Upload-Length must be positive")
    if length > max_size:
        raise AppError("upload_too_large", f"Uploads are limited to {max_size} bytes",
                       status=413, details={"max_size": max_size})
    return length


def parse_offset(header: str | None) -> int:
    if header is None or not _DIGITS.fullmatch(header):
        raise AppError("invalid_upload_offset", "Upload-Offset must be ASCII digits")
    return int(header)


def parse_metadata(header: str | None) -> dict[str, str]:
    """`key base64value,key2` -> {key: value}; values that are not UTF-8 are refused."""
    out: dict[str, str] = {}
    if not header:
        return out
    for pair in header.split(","):
        pair = pair.strip()
        if not pair:
            continue
        key, _, value = pair.partition(" ")
        if not key or key in out:
            raise AppError("invalid_metadata", "Upload-Metadata keys must be unique and "
                           "non-empty")
        try:
            out[key] = base64.b64decode(value.strip(), validate=True).decode() if value else ""
        except (binascii.Error, UnicodeDecodeError):
            raise AppError("invalid_metadata",
                           f"Upload-Metadata value of {key[:40]!r} is not base64 UTF-8") from None
        if "\x00" in out[key] or "\x00" in key:
            raise AppError("invalid_metadata", "Upload-Metadata must not contain NUL")
    return out


def encode_metadata(meta: dict[str, str]) -> str:
    return ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" if v else k
                    for k, v in meta.items())


def parse_checksum(header: str | None) -> tuple[str, bytes] | None:
    if not header:
        return None
    algo, _, digest = header.strip().partition(" ")
    if algo not in CHECKSUMS:
        raise AppError("checksum_algorithm_unsupported",
                       f"Checksum algorithm {algo!r} is not supported; use one of "
                       f"{', '.join(CHECKSUMS)}", status=400)
    try:
        return algo, base64.b64decode(digest, validate=True)
    except binascii.Error:
        raise AppError("invalid_checksum", "Upload-Checksum digest is not base64") from None


def http_date(dt: datetime) -> str:
    return format_datetime(dt.astimezone(timezone.utc), usegmt=True)


@dataclass
class AppendResult:
    offset: int  # the upload's offset after this request
    received: int  # bytes kept from this request
    interrupted: bool  # the client went away before sending all it announced


class PartialUploads:
    """Append-only files of incomplete uploads, one per upload id."""

    def __init__(self, directory: Path):
        self.dir = Path(directory)
        self.dir.mkdir(parents=True, exist_ok=True)

    def path(self, upload_id: str) -> Path:
        """`upload_id` is `<owner>/<media>` (so one user's bytes can be erased at once)."""
        owner, _, media = upload_id.partition("/")
        if not owner or not media or "/" in media or ".." in upload_id:
            raise ValueError(f"bad upload id {upload_id!r}")
        return self.dir / owner / f"{media}.part"

    def create(self, upload_id: str) -> None:
        path = self.path(upload_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(exist_ok=True)

    def delete_owner(self, owner_id: str) -> None:
        import shutil

        if owner_id and "/" not in owner_id and ".." not in owner_id:
            shutil.rmtree(self.dir / owner_id, ignore_errors=True)

    def size(self, upload_id: str) -> int | None:
        try:
            return self.path(upload_id).stat().st_size
        except FileNotFoundError:
            return None

    def delete(self, upload_id: str) -> None:
        try:
            os.unlink(self.path(upload_id))
        except FileNotFoundError:
            pass

    async def append(self, upload_id: str, offset: int, chunks: AsyncIterator[bytes], *,
                     limit: int, checksum: tuple[str, bytes] | None = None) -> AppendResult:
        """Write `chunks` at `offset` (which must be the file's size), at most `limit` bytes.

        Without a checksum every byte that arrived is kept, even if the client vanishes
        mid-way. With one, the chunk counts only if it arrived whole and matches.
        """
        digest = CHECKSUMS[checksum[0]]() if checksum else None
        received = 0
        interrupted = False
        with open(self.path(upload_id), "r+b") as f:
            f.seek(offset)
            try:
                async for chunk in chunks:
                    if received + len(chunk) > limit:
                        raise AppError("upload_length_exceeded",
                                       "More bytes than Upload-Length announced", status=413)
                    f.write(chunk)
                    received += len(chunk)
                    if digest is not None:
                        digest.update(chunk)
            except (ConnectionError, OSError, EOFError) as exc:
                if isinstance(exc, OSError) and exc.errno is not None and \
                        not isinstance(exc, ConnectionError):
                    raise  # a disk error, not a client that went away
                interrupted = True
            except Exception as exc:
                # aiohttp raises ClientPayloadError/CancelledError-like errors on a cut body
                if type(exc).__name__ in ("ClientPayloadError", "ContentLengthError",
                                          "PayloadEncodingError"):
                    interrupted = True
                else:
                    f.truncate(offset)
                    raise
            if digest is not None and (interrupted or digest.digest() != checksum[1]):
                f.truncate(offset)
                if interrupted:
                    return AppendResult(offset, 0, True)
                raise ChecksumMismatch()
            f.flush()
            await asyncio.to_thread(os.fsync, f.fileno())  # can take long: off the loop
        return AppendResult(offset + received, received, interrupted)
