"""Access-token verification: the plain-shape fast path never accepts what PyJWT refuses.

`TokenKeys._verify_plain` checks tokens shaped as we sign them without PyJWT's per-decode
overhead; everything else goes to PyJWT. These tests put tampered and odd tokens, for each
kind of key a deployment can have, through both and through `TokenKeys.verify`.
"""
from __future__ import annotations

import base64
import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from server.config import Settings
from server.errors import Unauthorized
from server.tokens import TokenKeys

SECRET = "test-secret-" + "s" * 40
ED_KEY = ed25519.Ed25519PrivateKey.generate()
RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _pem(key) -> str:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def _keys(kind: str) -> TokenKeys:
    if kind == "HS256":
        return TokenKeys(Settings(jwt_secret=SECRET))
    return TokenKeys(Settings(jwt_private_key=_pem(ED_KEY if kind == "EdDSA" else RSA_KEY)))


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _sign(keys: TokenKeys, header: dict, payload: dict) -> str:
    """A token with exactly this header and payload, signed with the deployment's key."""
    h = _b64(json.dumps(header, separators=(",", ":")).encode())
    p = _b64(json.dumps(payload, separators=(",", ":")).encode())
    alg = jwt.algorithms.get_default_algorithms()[keys.algorithm]
    key = alg.prepare_key(SECRET if keys.algorithm == "HS256" else keys.private)
    return f"{h}.{p}.{_b64(alg.sign(f'{h}.{p}'.encode(), key))}"


def _payload(**over) -> dict:
    now = int(time.time())
    p = {"sub": "8c9a3c3e-6a51-4b8e-9d0b-2d1f3b9a7e11", "role": "user", "iat": now,
         "exp": now + 600, "jti": "a" * 32, "iss": "sawt",
         "sid": "0f5e2a9b-3c4d-4e6f-8a1b-2c3d4e5f6a7b"}
    p.update(over)
    return {k: v for k, v in p.items() if v is not DROP}


DROP = object()


def _odd_tokens(keys: TokenKeys) -> dict[str, str]:
    """name -> token: ours, and what an attacker or another issuer could send."""
    alg = keys.algorithm
    good = keys.sign("8c9a3c3e-6a51-4b8e-9d0b-2d1f3b9a7e11",
                     session_id="0f5e2a9b-3c4d-4e6f-8a1b-2c3d4e5f6a7b")
    h, p, s = good.split(".")
    now = int(time.time())
    flipped = s[:-1] + ("A" if s[-1] != "A" else "B")
    # the same signature bytes spelled differently (unused low bits of the last character)
    last = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    noncanon = s[:-1] + last[last.index(s[-1]) ^ 1]
    not_json = _b64(b"{alg")
    hs_confused = jwt.encode(_payload(), SECRET if alg != "HS256" else "x" * 40,
                             algorithm="HS256")
    tokens = {
        "ours": good,
        "tampered payload": f"{h}.{_b64(json.dumps(_payload(role='admin')).encode())}.{s}",
        "tampered signature": f"{h}.{p}.{flipped}",
        "non-canonical signature": f"{h}.{p}.{noncanon}",
        "padded segments": f"{h}==.{p}.{s}",
        "junk in a segment": f"{h}.{p}!.{s}",
        "two segments": f"{h}.{p}",
        "four segments": f"{h}.{p}.{s}.{s}",
        "alg none": _b64(b'{"alg":"none","typ":"JWT"}') + f".{p}.",
        "other algorithm's token": hs_confused,
        "crit header": _sign(keys, {"alg": alg, "crit": ["exp"], "exp": 1}, _payload()),
        "b64 false header": _sign(keys, {"alg": alg, "b64": False, "crit": ["b64"]}, _payload()),
        "typ not JWT": _sign(keys, {"alg": alg, "typ": "at+jwt"}, _payload()),
        "kid header": _sign(keys, {"alg": alg, "typ": "JWT", "kid": "k1"}, _payload()),
        "header is a list": _sign(keys, ["alg", alg], _payload()),  # type: ignore[arg-type]
        "payload is a list": _sign(keys, {"alg": alg}, [1, 2]),  # type: ignore[arg-type]
        "expired": _sign(keys, {"alg": alg}, _payload(exp=now - 1)),
        "exp as string": _sign(keys, {"alg": alg}, _payload(exp=str(now + 600))),
        "exp as float": _sign(keys, {"alg": alg}, _payload(exp=now + 600.5)),
        "exp true": _sign(keys, {"alg": alg}, _payload(exp=True)),
        "iat in the future": _sign(keys, {"alg": alg}, _payload(iat=now + 3600)),
        "nbf in the future": _sign(keys, {"alg": alg}, _payload(nbf=now + 3600)),
        "with an audience": _sign(keys, {"alg": alg}, _payload(aud="someone")),
        "other issuer": _sign(keys, {"alg": alg}, _payload(iss="evil")),
        "no issuer": _sign(keys, {"alg": alg}, _payload(iss=DROP)),
        "no sub": _sign(keys, {"alg": alg}, _payload(sub=DROP)),
        "no jti": _sign(keys, {"alg": alg}, _payload(jti=DROP)),
        "no exp": _sign(keys, {"alg": alg}, _payload(exp=DROP)),
        "no iat": _sign(keys, {"alg": alg}, _payload(iat=DROP)),
        "sub not a string": _sign(keys, {"alg": alg}, _payload(sub=12)),
        "not json": f"{not_json}.{p}.{s}",
        "huge": f"{h}.{_b64(b'x' * 20000)}.{s}",
    }
    return tokens


def _pyjwt_accepts(keys: TokenKeys, token: str) -> bool:
    try:
        jwt.decode(token, keys.public, algorithms=[keys.algorithm], issuer=keys.issuer,
                   options={"require": ["sub", "exp", "iat", "jti"]})
        return True
    except jwt.PyJWTError:
        return False


@pytest.mark.parametrize("kind", ["HS256", "EdDSA", "RS256"])
def test_the_fast_path_accepts_only_what_pyjwt_accepts(kind):
    keys = _keys(kind)
    fast_accepted = []
    for name, token in _odd_tokens(keys).items():
        plain = keys._verify_plain(token)
        if plain is not None:
            fast_accepted.append(name)
            assert _pyjwt_accepts(keys, token), f"{kind}: the fast path accepted {name!r}"
    # the shape we sign goes the fast way (otherwise there is no fast path to speak of)
    assert "ours" in fast_accepted, fast_accepted
    assert "kid header" in fast_accepted


@pytest.mark.parametrize("kind", ["HS256", "EdDSA", "RS256"])
def test_verify_decides_as_pyjwt_does_with_its_reason(kind):
    keys = _keys(kind)
    for name, token in _odd_tokens(keys).items():
        keys._verified.clear()
        try:
            claims = keys.verify(token)
        except Unauthorized as exc:
            assert not _pyjwt_accepts(keys, token), f"{kind}: {name!r} refused: {exc}"
            assert exc.message  # a reason the client can show
            continue
        assert _pyjwt_accepts(keys, token), f"{kind}: {name!r} accepted"
        assert claims.user_id and claims.jti and claims.exp > claims.iat - 1


def test_claims_from_the_fast_path_equal_pyjwts():
    keys = _keys("HS256")
    token = keys.sign("8c9a3c3e-6a51-4b8e-9d0b-2d1f3b9a7e11", role="moderator",
                      session_id="0f5e2a9b-3c4d-4e6f-8a1b-2c3d4e5f6a7b")
    fast = keys._verify_plain(token)
    p = jwt.decode(token, keys.public, algorithms=["HS256"], issuer="sawt")
    assert fast is not None
    assert (fast.user_id, fast.session_id, fast.role, fast.jti, fast.exp, fast.iat) == (
        p["sub"], p["sid"], p["role"], p["jti"], p["exp"], p["iat"])
