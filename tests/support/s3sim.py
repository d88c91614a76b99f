"""A local S3 stand-in speaking the real wire format: SigV4-checked PUT/GET/HEAD/DELETE,
ListObjectsV2, presigned GETs. It recomputes each signature from the request as received,
so a client whose encoding differs from what it signed gets 403 as from real S3."""
from __future__ import annotations

import hashlib
import re
from urllib.parse import unquote
from xml.sax.saxutils import escape

from aiohttp import web

from media.s3 import SigV4

_AUTH = re.compile(r"AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/s3/aws4_request,"
                   r"SignedHeaders=([^,]+),Signature=([0-9a-f]{64})")


class S3Sim:
    def __init__(self, access_key: str, secret_key: str, region: str = "us-east-1"):
        self.signer = SigV4(access_key, secret_key, region)
        self.access_key = access_key
        self.objects: dict[tuple[str, str], tuple[bytes, dict]] = {}
        self.app = web.Application()
        self.app.router.add_route("*", "/{bucket}", self.bucket)
        self.app.router.add_route("*", "/{bucket}/{key:.+}", self.obj)

    def _check(self, request: web.Request) -> None:
        path = unquote(request.raw_path.split("?", 1)[0])
        if "X-Amz-Signature" in request.query:
            q = {k: v for k, v in request.query.items() if k != "X-Amz-Signature"}
            sig, _ = self.signer.signature(request.method, path, q,
                                           {"host": request.host}, "UNSIGNED-PAYLOAD",
                                           q["X-Amz-Date"])
            if sig != request.query["X-Amz-Signature"]:
                raise web.HTTPForbidden(text="SignatureDoesNotMatch")
            return
        m = _AUTH.fullmatch(request.headers.get("Authorization", ""))
        if not m or m.group(1) != self.access_key:
            raise web.HTTPForbidden(text="AccessDenied")
        signed = m.group(4).split(";")
        headers = {h: request.headers[h] for h in signed}
        sig, _ = self.signer.signature(request.method, path, dict(request.query), headers,
                                       request.headers["x-amz-content-sha256"],
                                       request.headers["x-amz-date"])
        if sig != m.group(5):
            raise web.HTTPForbidden(text="SignatureDoesNotMatch")

    async def bucket(self, request: web.Request) -> web.Response:
        self._check(request)
        bucket = request.match_info["bucket"]
        prefix = request.query.get("prefix", "")
        keys = sorted(k for b, k in self.objects if b == bucket and k.startswith(prefix))
        body = ('<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns='
                '"http://s3.amazonaws.com/doc/2006-03-01/"><Name>' + bucket + "</Name>"
                + "".join(f"<Contents><Key>{escape(k)}</Key></Contents>" for k in keys)
                + "<IsTruncated>false</IsTruncated></ListBucketResult>")
        return web.Response(text=body, content_type="application/xml")

    async def obj(self, request: web.Request) -> web.Response:
        self._check(request)
        ident = (request.match_info["bucket"], request.match_info["key"])
        if request.method == "PUT":
            body = await request.read()
            if hashlib.sha256(body).hexdigest() != request.headers["x-amz-content-sha256"]:
                raise web.HTTPBadRequest(text="XAmzContentSHA256Mismatch")
            self.objects[ident] = (body, {"Content-Type": request.headers.get(
                "Content-Type", "binary/octet-stream"), "Cache-Control": request.headers.get(
                "Cache-Control", "")})
            return web.Response(status=200)
        if request.method == "DELETE":
            self.objects.pop(ident, None)
            return web.Response(status=204)
        if ident not in self.objects:
            raise web.HTTPNotFound()
        body, headers = self.objects[ident]
        return web.Response(body=b"" if request.method == "HEAD" else body, headers=headers)
