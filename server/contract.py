"""The base of every domain's contract types (`handlers/<domain>/contract.py`): the payloads
acks and pushes carry, from which scripts/gen_asyncapi.py writes http/asyncapi.yaml."""
from __future__ import annotations

import msgspec


class Strict(msgspec.Struct, forbid_unknown_fields=True):
    """A key the server sends that is not declared here is drift."""
