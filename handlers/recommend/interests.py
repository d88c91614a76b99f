"""The interest catalogue a new user picks from at sign-up, with multilingual seed phrases.

Each interest's vector is the mean embedding of its phrases (Arabic script, Franco-Arabic,
English), so a user who picked "football" starts near football posts in every script.
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

CATALOGUE_PATH = Path(__file__).parent / "data" / "interests.json"


@lru_cache(maxsize=1)
def catalogue() -> dict[str, list[str]]:
    return json.loads(CATALOGUE_PATH.read_text(encoding="utf-8"))


def known(interests: list[str]) -> list[str]:
    cat = catalogue()
    return [i for i in dict.fromkeys(interests) if i in cat]

# Egypt's 27 governorates (ISO 3166-2:EG codes without the country prefix).
GOVERNORATES = ("ALX", "ASN", "AST", "BA", "BH", "BNS", "C", "DK", "DT", "FYM", "GH", "GZ",
                "IS", "JS", "KB", "KFS", "KN", "LX", "MN", "MNF", "MT", "PTS", "SHG", "SHR",
                "SIN", "SUZ", "WAD")
