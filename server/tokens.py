"""Access-token signing and verification (JWT).

HS256 with a shared secret in development; EdDSA or RS256 with a key pair in production.
The verifier pins the algorithm family of the configured key, so `alg: none` and HS/RS
confusion (signing HS256 with the public key as secret) are refused.
"""
from __future__ import annotations

import base64
import json
import re
import time
import uuid
from dataclasses import dataclass

import jwt
from jwt.algorithms import get_default_algorithms
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from cryptography.hazmat.primitives.serialization import load_pem_private_key, load_pem_public_key

from server.config import Settings
from server.errors import Unauthorized

# A JWS segment: unpadded base64url (RFC 7515 section 2), bounded so a huge token is not parsed.
_SEGMENT = re.compile(r"[A-Za-z0-9_-]{2,4096}")
_PLAIN_HEADER_KEYS = frozenset(("alg", "typ", "kid"))

# Tokens already verified, with their claims: a reconnect storm brings the same tokens back
# at once, and verifying a signature (Ed25519 / RSA in production) is the costly part.
VERIFIED_CACHE = 20_000


@dataclass(frozen=True)
class Claims:
    user_id: str
    session_id: str | None
    role: str
    jti: str
    exp: int
    iat: int


class TokenKeys:
    """The signing and verifying key of one deployment, and its single allowed algorithm."""

    def __init__(self, settings: Settings):
        self.issuer = settings.jwt_issuer
        self._verified: dict[str, Claims] = {}
        self.ttl = settings.access_token_ttl
        if settings.jwt_private_key or settings.jwt_public_key:
            self.private = (load_pem_private_key(settings.jwt_private_key.encode(), None)
                            if settings.jwt_private_key else None)
            pub = (load_pem_public_key(settings.jwt_public_key.encode())
                   if settings.jwt_public_key else self.private.public_key())
            self.public = pub
            if isinstance(pub, ed25519.Ed25519PublicKey):
                self.algorithm = "EdDSA"
            elif isinstance(pub, rsa.RSAPublicKey):
                self.algorithm = "RS256"
            else:
                raise ValueError("JWT key must be Ed25519 or RSA")
        else:
            if len(settings.jwt_secret.encode()) < 32:
                raise ValueError("JWT_SECRET must be at least 32 bytes")
            self.private = settings.jwt_secret
            # a JWK binds the one algorithm the secret may verify (PyJWT's path, below)
            self.public = jwt.PyJWK({"kty": "oct", "k": base64.urlsafe_b64encode(
                settings.jwt_secret.encode()).rstrip(b"=").decode()}, algorithm="HS256")
            self.algorithm = "HS256"
        # the fast path's algorithm and key, prepared once (PyJWT prepares the key per decode)
        self._alg = get_default_algorithms()[self.algorithm]
        self._key = self._alg.prepare_key(
            settings.jwt_secret if self.algorithm == "HS256" else self.public)

    def sign(self, user_id: str, *, role: str = "user", session_id: str | None = None,
             ttl: int | None = None, now: float | None = None) -> str:
        if self.private is None:
            raise RuntimeError("this process holds only the public key; it cannot sign")
        iat = int(now if now is not None else time.time())
        payload = {"sub": str(user_id), "role": role, "iat": iat,
                   "exp": iat + (ttl if ttl is not None else self.ttl),
                   "jti": uuid.uuid4().hex, "iss": self.issuer}
        if session_id:
            payload["sid"] = str(session_id)
        return jwt.encode(payload, self.private, algorithm=self.algorithm)

    def verify(self, token: object) -> Claims:
        """Claims of a valid token, or Unauthorized saying why."""
        if not isinstance(token, str) or not token:
            raise Unauthorized("Missing access token")
        seen = self._verified.get(token)
        if seen is not None and seen.exp > time.time():
            return seen  # verified before: a token is immutable, only its expiry moves
        claims = self._verify(token)
        if len(self._verified) >= VERIFIED_CACHE:  # bounded: the older half goes
            for old in list(self._verified)[:VERIFIED_CACHE // 2]:
                del self._verified[old]
        self._verified[token] = claims
        return claims

    def _verify(self, token: str) -> Claims:
        claims = self._verify_plain(token)
        if claims is not None:
            return claims
        # One parse (this runs on every connect): `algorithms` pins the algorithm, and the
        # header is only read again to explain a refusal.
        try:
            p = jwt.decode(token, self.public, algorithms=[self.algorithm], issuer=self.issuer,
                           options={"require": ["sub", "exp", "iat", "jti"]})
        except jwt.ExpiredSignatureError:
            raise Unauthorized("Access token expired", code="token_expired") from None
        except jwt.InvalidSignatureError:
            raise Unauthorized("Access token signature is invalid") from None
        except jwt.DecodeError:
            raise Unauthorized("Malformed access token") from None
        except jwt.InvalidAlgorithmError:
            alg = jwt.get_unverified_header(token).get("alg")
            raise Unauthorized(f"Token algorithm {alg!r} is not accepted") from None
        except jwt.PyJWTError as exc:
            raise Unauthorized(f"Access token rejected: {exc}") from None
        return Claims(user_id=p["sub"], session_id=p.get("sid"), role=p.get("role", "user"),
                      jti=p["jti"], exp=int(p["exp"]), iat=int(p["iat"]))  # PyJWT takes "123"

    def _verify_plain(self, token: str) -> Claims | None:
        """The claims of a token of the plain shape this deployment signs, or None.

        PyJWT costs ~90 us per decode on this path (it prepares the key and checks each
        base64 character in Python), most of a connect's token cost. Tokens shaped as we sign
        them (three canonical base64url segments, a header of only alg/typ/kid naming our
        algorithm, int exp/iat, str sub/jti, our issuer, no nbf/aud) are checked here, the
        signature by PyJWT's own algorithm object with the key prepared once. Anything else,
        a bad signature included, returns None and goes to PyJWT, which refuses it with its
        reason: this path only ever accepts a subset of what PyJWT accepts
        (tests/test_tokens.py compares both on tampered and odd tokens)."""
        parts = token.split(".")
        if len(parts) != 3:
            return None
        raw = [_b64url(part) for part in parts]
        if None in raw:
            return None
        try:
            header, payload = json.loads(raw[0]), json.loads(raw[1])
        except ValueError:
            return None
        if not isinstance(header, dict) or not isinstance(payload, dict) \
                or header.get("alg") != self.algorithm \
                or not _PLAIN_HEADER_KEYS.issuperset(header) \
                or header.get("typ", "JWT") != "JWT":
            return None
        signing_input = (parts[0] + "." + parts[1]).encode()
        if not self._alg.verify(signing_input, self._key, raw[2]):
            return None
        sub, jti, exp, iat = (payload.get(k) for k in ("sub", "jti", "exp", "iat"))
        now = time.time()
        if not (isinstance(sub, str) and isinstance(jti, str) and type(exp) is int
                and type(iat) is int and exp > now and iat <= now
                and payload.get("iss") == self.issuer
                and "nbf" not in payload and "aud" not in payload):
            return None
        return Claims(user_id=sub, session_id=payload.get("sid"),
                      role=payload.get("role", "user"), jti=jti, exp=exp, iat=iat)


def _b64url(segment: str) -> bytes | None:
    """Strict base64url: the alphabet only, no padding, canonical (one spelling per value)."""
    if not _SEGMENT.fullmatch(segment) or len(segment) % 4 == 1:
        return None
    raw = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    if base64.urlsafe_b64encode(raw).rstrip(b"=") != segment.encode():
        return None
    return raw
