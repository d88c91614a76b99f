"""Wallet: double-entry ledger, top-ups through Egyptian providers, tips, subscriptions,
cashout and creator metrics. Money is integer piastres (EGP x 100)."""
