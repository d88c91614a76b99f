"""Wallet: double-entry ledger, top-ups through Egyptian providers, tips, subscriptions,
cashout and creator metrics. Money is integer piastres (EGP x 100).

Where: `actions.py` balances, history, tips (group commit in `tip_batch.py`) and PDPL;
`payment_actions.py` top-ups and provider callbacks; `subscription_actions.py` tiers,
subscriptions and the subscriber gate; `creator_actions.py` cashout and creator metrics;
`ledger.py` the double-entry postings all of them share."""
