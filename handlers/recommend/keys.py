"""Redis key names of the recommend domain, one function each (all derived, rebuildable)."""
from __future__ import annotations


def candidates_key(state, uid): return state.key("rec", "cand", uid)
def candidates_fresh_key(state, uid): return state.key("rec", "cand_fresh", uid)
def seen_key(state, uid): return state.key("rec", "seen", uid)
def viewed_key(state, uid, post_id): return state.key("rec", "viewed", uid, post_id)
def page_key(state, uid, token): return state.key("rec", "page", uid, token)
def interest_key(state, name): return state.key("rec", "interest", name)
def trending_key(state, scope, value): return state.key("rec", "trend", scope, value or "-")
def trending_keys_key(state): return state.key("rec", "trend_keys")
def trending_full_key(state): return state.key("rec", "trend_full")
def cursor_key(state):
    """The indexer's cursor, per embedding version: a new version re-embeds every post."""
    from handlers.recommend.embedder import means_fingerprint
    return state.key("rec", "index_cursor", means_fingerprint())
