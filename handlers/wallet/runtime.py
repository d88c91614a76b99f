"""The wallet's per-process objects: config, ledger cache, provider adapters, simulators."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from handlers.wallet.config import WalletConfig
from handlers.wallet.ledger import Ledger
from handlers.wallet.providers.fawry import FawryAdapter
from handlers.wallet.providers.instapay import InstaPayAdapter
from handlers.wallet.providers.paymob import PaymobAdapter
from server.state import AppState


@dataclass
class WalletRuntime:
    config: WalletConfig
    ledger: Ledger = field(default_factory=Ledger)
    providers: dict[str, Any] = field(default_factory=dict)
    sims: dict[str, Any] = field(default_factory=dict)

    def platform_fee(self, amount: int) -> int:
        """The platform's cut of a tip or subscription, in piastres (rounded down)."""
        return amount * self.config.platform_fee_bps // 10_000

    async def start(self) -> "WalletRuntime":
        """Point adapters at configured providers, or at local simulators (dev/test)."""
        c = self.config
        fawry_url, paymob_url, bank_url = c.fawry_base_url, c.paymob_base_url, \
            c.instapay_partner_url
        if c.simulators:
            from handlers.wallet.providers.fawry_sim import FawrySimulator
            from handlers.wallet.providers.instapay_sim import InstaPaySimulator
            from handlers.wallet.providers.paymob_sim import PaymobSimulator
            if fawry_url is None:
                self.sims["fawry"] = await FawrySimulator(c.fawry_merchant_code,
                                                          c.fawry_secure_key).start()
                fawry_url = self.sims["fawry"].base_url
            if paymob_url is None:
                self.sims["paymob"] = await PaymobSimulator(
                    c.paymob_secret_key, c.paymob_hmac_secret,
                    c.paymob_wallet_integration_id).start()
                paymob_url = self.sims["paymob"].base_url
            if bank_url is None:
                self.sims["instapay"] = await InstaPaySimulator(
                    c.instapay_partner_secret).start()
                bank_url = self.sims["instapay"].base_url
        if fawry_url:
            self.providers["fawry"] = FawryAdapter(fawry_url, c.fawry_merchant_code,
                                                   c.fawry_secure_key)
        if paymob_url:
            self.providers["paymob"] = PaymobAdapter(paymob_url, c.paymob_secret_key,
                                                     c.paymob_hmac_secret,
                                                     c.paymob_wallet_integration_id)
        if bank_url:
            self.providers["instapay"] = InstaPayAdapter(bank_url, c.instapay_partner_secret,
                                                         c.instapay_address,
                                                         c.instapay_max_skew_seconds)
        return self

    async def stop(self) -> None:
        for p in self.providers.values():
            await p.close()
        for s in self.sims.values():
            await s.stop()


def runtime(state: AppState) -> WalletRuntime:
    """This process's wallet runtime (built without simulators if lifecycle has not run)."""
    rt = state.extras.get("wallet")
    if rt is None:
        rt = state.extras["wallet"] = WalletRuntime(WalletConfig.from_env(state.settings))
    return rt
