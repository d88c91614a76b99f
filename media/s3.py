"""S3-compatible object storage (AWS S3, Cloudflare R2, MinIO, Wasabi...) for finished media.

Plain HTTP with AWS Signature Version 4, no SDK: PUT/HEAD/DELETE objects, ListObjectsV2 for
prefix deletes, and presigned GET URLs the sidecar redirects viewers to (or a CDN origin in
`MEDIA_PUBLIC_BASE` that serves the bucket). Configured by S3_ENDPOINT, S3_BUCKET,
S3_REGION, S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY, S3_PATH_STYLE (1 for MinIO-like servers).
"""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import os
import xml.etree.ElementTree as ET
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import quote, urlsplit

import aiohttp
import yarl

from media.keys import content_type, safe_key

EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()


def _hmac(key: bytes, msg: str) -> bytes:
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def _uri_encode(s: str, *, slash: bool) -> str:
    return quote(s, safe="-_.~" + ("/" if not slash else ""))


class SigV4:
    """AWS Signature Version 4 for the `s3` service (header and query-string forms)."""

    def __init__(self, access_key: str, secret_key: str, region: str):
        self.access_key, self.secret_key, self.region = access_key, secret_key, region

    def _scope(self, date: str) -> str:
        return f"{date}/{self.region}/s3/aws4_request"

    def _signing_key(self, date: str) -> bytes:
        k = _hmac(("AWS4" + self.secret_key).encode(), date)
        k = _hmac(k, self.region)
        k = _hmac(k, "s3")
        return _hmac(k, "aws4_request")

    def signature(self, method: str, path: str, query: dict[str, str], headers: dict[str, str],
                  payload_hash: str, amz_date: str) -> tuple[str, str]:
        """(signature, signed header names) of one request."""
        canon_query = "&".join(f"{_uri_encode(k, slash=True)}={_uri_encode(v, slash=True)}"
                               for k, v in sorted(query.items()))
        hdrs = {k.lower().strip(): " ".join(str(v).split()) for k, v in headers.items()}
        signed = ";".join(sorted(hdrs))
        canon_headers = "".join(f"{k}:{hdrs[k]}\n" for k in sorted(hdrs))
        canonical = "\n".join([method, _uri_encode(path, slash=False), canon_query,
                               canon_headers, signed, payload_hash])
        to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, self._scope(amz_date[:8]),
                             hashlib.sha256(canonical.encode()).hexdigest()])
        sig = hmac.new(self._signing_key(amz_date[:8]), to_sign.encode(),
                       hashlib.sha256).hexdigest()
        return sig, signed

    def authorization(self, method: str, path: str, query: dict[str, str],
                      headers: dict[str, str], payload_hash: str, amz_date: str) -> str:
        sig, signed = self.signature(method, path, query, headers, payload_hash, amz_date)
        return (f"AWS4-HMAC-SHA256 Credential={self.access_key}/{self._scope(amz_date[:8])},"
                f"SignedHeaders={signed},Signature={sig}")

    def presign(self, method: str, host: str, path: str, expires: int, amz_date: str,
                scheme: str = "https") -> str:
        query = {"X-Amz-Algorithm": "AWS4-HMAC-SHA256",
                 "X-Amz-Credential": f"{self.access_key}/{self._scope(amz_date[:8])}",
                 "X-Amz-Date": amz_date, "X-Amz-Expires": str(expires),
                 "X-Amz-SignedHeaders": "host"}
        sig, _ = self.signature(method, path, query, {"host": host}, "UNSIGNED-PAYLOAD",
                                amz_date)
        qs = "&".join(f"{_uri_encode(k, slash=True)}={_uri_encode(v, slash=True)}"
                      for k, v in query.items())
        return f"{scheme}://{host}{_uri_encode(path, slash=False)}?{qs}&X-Amz-Signature={sig}"


def amz_now() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


class S3Storage:
    def __init__(self, endpoint: str, bucket: str, region: str, access_key: str,
                 secret_key: str, *, path_style: bool = True, public_base: str = ""):
        parts = urlsplit(endpoint)
        self.scheme, self.endpoint_host = parts.scheme or "https", parts.netloc
        self.bucket, self.path_style = bucket, path_style
        self.public_base = public_base.rstrip("/")
        self.signer = SigV4(access_key, secret_key, region)

    @classmethod
    def from_settings(cls, settings) -> "S3Storage":
        """From S3_* variables (Settings.extra first, then the environment)."""
        def e(name: str, default: str | None = None) -> str:
            value = (settings.extra or {}).get(name) or os.environ.get(name) or default
            if value is None:
                raise SystemExit(f"MEDIA_STORAGE=s3 needs {name}")
            return value
        return cls(e("S3_ENDPOINT"), e("S3_BUCKET"), e("S3_REGION", "us-east-1"),
                   e("S3_ACCESS_KEY_ID"), e("S3_SECRET_ACCESS_KEY"),
                   path_style=e("S3_PATH_STYLE", "1") == "1",
                   public_base=e("MEDIA_PUBLIC_BASE", ""))

    @property
    def host(self) -> str:
        return self.endpoint_host if self.path_style else f"{self.bucket}.{self.endpoint_host}"

    def _path(self, key: str = "") -> str:
        if not key:  # the bucket itself (ListObjectsV2)
            return f"/{self.bucket}" if self.path_style else "/"
        key = safe_key(key)
        return f"/{self.bucket}/{key}" if self.path_style else f"/{key}"

    async def _request(self, http: aiohttp.ClientSession, method: str, key: str = "", *,
                       query: dict[str, str] | None = None, body: bytes = b"",
                       headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        query = query or {}
        payload = hashlib.sha256(body).hexdigest() if body else EMPTY_SHA256
        amz_date = amz_now()
        path = self._path(key)
        hdrs = {"host": self.host, "x-amz-content-sha256": payload, "x-amz-date": amz_date,
                **(headers or {})}
        hdrs["Authorization"] = self.signer.authorization(
            method, path, query, {k: v for k, v in hdrs.items()}, payload, amz_date)
        url = f"{self.scheme}://{self.host}{_uri_encode(path, slash=False)}"
        if query:  # encoded exactly as signed (not left to the HTTP client's own rules)
            url += "?" + "&".join(f"{_uri_encode(k, slash=True)}={_uri_encode(v, slash=True)}"
                                  for k, v in sorted(query.items()))
        async with http.request(method, yarl.URL(url, encoded=True), data=body or None,
                                headers={k: v for k, v in hdrs.items() if k != "host"}) as r:
            return r.status, await r.read()

    async def put_dir(self, prefix: str, local_dir: Path) -> int:
        files = sorted((p for p in Path(local_dir).rglob("*") if p.is_file()),
                       key=lambda p: (p.suffix == ".m3u8", p.name == "master.m3u8", str(p)))
        total = 0
        async with aiohttp.ClientSession() as http:
            for src in files:
                key = f"{prefix}/{src.relative_to(local_dir).as_posix()}"
                body = await asyncio.to_thread(src.read_bytes)
                cache = "public, max-age=300" if key.endswith(".m3u8") \
                    else "public, max-age=31536000, immutable"
                status, text = await self._request(http, "PUT", key, body=body, headers={
                    "content-type": content_type(key), "cache-control": cache})
                if status not in (200, 201):
                    raise OSError(f"S3 PUT {key} -> {status}: {text[:200]!r}")
                total += len(body)
        return total

    async def delete_prefix(self, prefix: str) -> None:
        ns = "{http://s3.amazonaws.com/doc/2006-03-01/}"
        async with aiohttp.ClientSession() as http:
            token = None
            while True:
                q = {"list-type": "2", "prefix": safe_key(prefix) + "/"}
                if token:
                    q["continuation-token"] = token
                status, body = await self._request(http, "GET", query=q)
                if status != 200:
                    raise OSError(f"S3 list {prefix} -> {status}")
                root = ET.fromstring(body)
                for el in root.iter(f"{ns}Key"):
                    await self._request(http, "DELETE", el.text)
                nxt = root.find(f"{ns}NextContinuationToken")
                if nxt is None or not nxt.text:
                    break
                token = nxt.text

    async def exists(self, key: str) -> bool:
        async with aiohttp.ClientSession() as http:
            status, _ = await self._request(http, "HEAD", key)
            return status == 200

    def local_path(self, key: str) -> Path | None:
        return None

    def signed_url(self, key: str, expires: int) -> str | None:
        if self.public_base:
            return f"{self.public_base}/{safe_key(key)}"
        return self.signer.presign("GET", self.host, self._path(key), expires, amz_now(),
                                   scheme=self.scheme)
