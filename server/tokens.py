"""Access-token signing and verification (JWT).

HS256 with a shared secret in development; EdDSA or RS256 with a key pair in production.
The verifier pins the algorithm family of the configured key, so `alg: none` and HS/RS
confusion (signing HS256 with the public key as secret) are refused.
"""
from __future__ import annotations

import base64
import time
import uuid
from dataclasses import dataclass

import jwt
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from cryptography.hazmat.primitives.serialization import load_pem_private_key, load_pem_public_key

from server.config import Settings
from server.errors import Unauthorized

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
            # the secret as a prepared key: PyJWT re-checks a raw HMAC secret on every
            # decode (is it PEM, SSH, DER, JSON?), ~15 % of a verify on the connect path
            self.public = jwt.PyJWK({"kty": "oct", "k": base64.urlsafe_b64encode(
                settings.jwt_secret.encode()).rstrip(b"=").decode()}, algorithm="HS256")
            self.algorithm = "HS256"

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
                      jti=p["jti"], exp=p["exp"], iat=p["iat"])
