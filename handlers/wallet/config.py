"""Wallet settings from the environment; development and tests default to the simulators."""
from __future__ import annotations

import os
from dataclasses import dataclass

from server.config import Settings

# Secrets the simulators sign with when no real credentials are configured (dev/test only).
SIM_FAWRY_MERCHANT = "sim-merchant-code"
SIM_FAWRY_KEY = "sim-fawry-secure-key"
SIM_PAYMOB_SECRET = "egy_sk_test_simulator"
SIM_PAYMOB_HMAC = "SIMULATORHMACSECRET"
SIM_PAYMOB_WALLET_INTEGRATION = 4100001
SIM_INSTAPAY_SECRET = "sim-instapay-partner-secret"


@dataclass(frozen=True)
class WalletConfig:
    platform_fee_bps: int = 1000          # 10 % of tips and subscriptions to the platform
    min_tip: int = 100                    # 1 EGP
    max_tip: int = 5_000_000              # 50,000 EGP
    min_topup: int = 1000                 # 10 EGP
    max_topup: int = 10_000_000
    topup_ttl_seconds: int = 24 * 3600    # pending top-ups expire
    callback_max_age_seconds: int = 24 * 3600   # Paymob created_at older than this is stale
    instapay_max_skew_seconds: int = 300  # bank-partner notification timestamp window
    min_cashout: int = 5_000              # 50 EGP
    daily_cashout_limit: int = 2_000_000  # 20,000 EGP
    period_days: int = 30                 # subscription period
    grace_days: int = 3
    tip_batch_max: int = 256              # tips posted per statement and COMMIT at most
    tip_batches_in_flight: int = 2        # per process: one commits while the next is written
    simulators: bool = True               # start local provider simulators in this process
    fawry_base_url: str | None = None
    fawry_merchant_code: str = SIM_FAWRY_MERCHANT
    fawry_secure_key: str = SIM_FAWRY_KEY
    paymob_base_url: str | None = None
    paymob_secret_key: str = SIM_PAYMOB_SECRET
    paymob_hmac_secret: str = SIM_PAYMOB_HMAC
    paymob_wallet_integration_id: int = SIM_PAYMOB_WALLET_INTEGRATION
    instapay_address: str = "sawt@instapay"
    instapay_partner_url: str | None = None
    instapay_partner_secret: str = SIM_INSTAPAY_SECRET

    @classmethod
    def from_env(cls, settings: Settings) -> "WalletConfig":
        e = os.environ.get
        d = cls()

        def num(name: str, default: int) -> int:
            return int(e(name, default))

        sims_default = "1" if settings.is_dev_or_test else "0"
        cfg = cls(
            platform_fee_bps=num("WALLET_PLATFORM_FEE_BPS", d.platform_fee_bps),
            min_tip=num("WALLET_MIN_TIP", d.min_tip),
            max_tip=num("WALLET_MAX_TIP", d.max_tip),
            min_topup=num("WALLET_MIN_TOPUP", d.min_topup),
            topup_ttl_seconds=num("WALLET_TOPUP_TTL", d.topup_ttl_seconds),
            callback_max_age_seconds=num("WALLET_CALLBACK_MAX_AGE", d.callback_max_age_seconds),
            min_cashout=num("WALLET_MIN_CASHOUT", d.min_cashout),
            daily_cashout_limit=num("WALLET_DAILY_CASHOUT_LIMIT", d.daily_cashout_limit),
            grace_days=num("WALLET_GRACE_DAYS", d.grace_days),
            tip_batch_max=max(1, num("WALLET_TIP_BATCH_MAX", d.tip_batch_max)),
            tip_batches_in_flight=max(1, num("WALLET_TIP_BATCHES_IN_FLIGHT",
                                             d.tip_batches_in_flight)),
            simulators=e("WALLET_SIMULATORS", sims_default).lower() in ("1", "true", "yes"),
            fawry_base_url=e("FAWRY_BASE_URL") or None,
            fawry_merchant_code=e("FAWRY_MERCHANT_CODE", d.fawry_merchant_code),
            fawry_secure_key=e("FAWRY_SECURE_KEY", d.fawry_secure_key),
            paymob_base_url=e("PAYMOB_BASE_URL") or None,
            paymob_secret_key=e("PAYMOB_SECRET_KEY", d.paymob_secret_key),
            paymob_hmac_secret=e("PAYMOB_HMAC_SECRET", d.paymob_hmac_secret),
            paymob_wallet_integration_id=num("PAYMOB_WALLET_INTEGRATION_ID",
                                             d.paymob_wallet_integration_id),
            instapay_address=e("INSTAPAY_ADDRESS", d.instapay_address),
            instapay_partner_url=e("INSTAPAY_PARTNER_URL") or None,
            instapay_partner_secret=e("INSTAPAY_PARTNER_SECRET", d.instapay_partner_secret),
        )
        if settings.is_production and (cfg.fawry_secure_key == SIM_FAWRY_KEY
                                       or cfg.paymob_hmac_secret == SIM_PAYMOB_HMAC
                                       or cfg.instapay_partner_secret == SIM_INSTAPAY_SECRET):
            raise SystemExit("production needs real FAWRY_SECURE_KEY, PAYMOB_HMAC_SECRET and "
                             "INSTAPAY_PARTNER_SECRET")
        return cfg
