"""Settings of the auth domain, from the environment (overridable per test via
`Settings.extra["auth"]`, a dict of the same names in lower case).

Production defaults are the argon2id parameters RFC 9106 recommends for memory-constrained
hosts (t=3, m=64 MiB, p=4; argon2-cffi's defaults). Tests may lower them: ARGON2_MEMORY_KIB.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, fields

from server.config import Settings


@dataclass(frozen=True)
class AuthConfig:
    argon2_time_cost: int = 3
    argon2_memory_kib: int = 65536
    argon2_parallelism: int = 4
    refresh_token_ttl: int = 30 * 24 * 3600
    verification_token_ttl: int = 10 * 60
    otp_ttl: int = 5 * 60
    otp_max_attempts: int = 5
    otp_resend_cooldown: int = 60
    otp_rate_per_phone: str = "5/hour"
    otp_rate_per_ip: str = "30/hour"
    login_rate_per_ip: str = "60/minute"
    login_free_failures: int = 3        # failures before delays start
    login_lockout_after: int = 10       # failures before a lockout
    login_lockout_seconds: int = 15 * 60
    otp_simulate: bool = True           # record instead of calling providers (not in production)
    whatsapp_api_url: str = "https://graph.facebook.com/v21.0"
    whatsapp_phone_number_id: str = ""
    whatsapp_token: str = ""
    whatsapp_template: str = "sawt_otp"
    whatsapp_template_lang: str = "ar"
    flash_call_api_url: str = "https://api.telnyx.com/v2"
    flash_call_api_key: str = ""
    flash_call_profile_id: str = ""
    flash_call_caller_prefix: str = "+2022"  # the missed call comes from <prefix><code>
    webauthn_rp_id: str = "localhost"
    webauthn_rp_name: str = "Sawt"
    webauthn_origins: tuple[str, ...] = ("http://localhost:8080",)
    dev_outbox: bool = True
    # every process re-checks the sessions of its sockets this often (and after every gap in
    # its revocation subscription): a revocation whose publication was lost still cuts
    revocation_sweep_seconds: int = 60

    @classmethod
    def from_settings(cls, settings: Settings) -> "AuthConfig":
        values: dict = {}
        overrides = settings.extra.get("auth", {}) if settings.extra else {}
        for f in fields(cls):
            raw = overrides.get(f.name, os.environ.get(f.name.upper()))
            if raw is None:
                continue
            if isinstance(raw, str):
                if f.type == "int":
                    raw = int(raw)
                elif f.type == "bool":
                    raw = raw.strip().lower() in ("1", "true", "yes", "on")
                elif f.type.startswith("tuple"):
                    raw = tuple(x.strip() for x in raw.split(",") if x.strip())
            values[f.name] = raw
        if settings.is_production:
            values["otp_simulate"] = values.get("otp_simulate", False)
            values["dev_outbox"] = False  # never in production, whatever the environment says
            if values["otp_simulate"]:
                raise SystemExit("OTP_SIMULATE is not allowed in production")
        return cls(**values)


def auth_config(state) -> AuthConfig:
    """The AuthConfig of this process (built once, kept in state.extras)."""
    cfg = state.extras.get("auth_config")
    if cfg is None:
        cfg = state.extras["auth_config"] = AuthConfig.from_settings(state.settings)
    return cfg
