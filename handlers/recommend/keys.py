"""Redis key names of the recommend domain, one function each (all derived, rebuildable).

One hash tag for the domain (Redis Cluster): the gather script reads a user's sets together
with the shared interest and trending lists, and trending is rebuilt in one transaction."""
from __future__ import annotations


def candidates_key(state, uid): return state.key("rec", "cand", uid, tag="recs")
def candidates_fresh_key(state, uid): return state.key("rec", "cand_fresh", uid, tag="recs")
def seen_key(state, uid): return state.key("rec", "seen", uid, tag="recs")
def viewed_key(state, uid, post_id): return state.key("rec", "viewed", uid, post_id, tag="recs")
def page_key(state, uid, token): return state.key("rec", "page", uid, token, tag="recs")
def interest_key(state, name): return state.key("rec", "interest", name, tag="recs")
def trending_key(state, scope, value):
    return state.key("rec", "trend", scope, value or "-", tag="recs")
def trending_keys_key(state): return state.key("rec", "trend_keys", tag="recs")
def trending_full_key(state): return state.key("rec", "trend_full", tag="recs")
def cursor_key(state):
    """The indexer's cursor, per embedding version: a new version re-embeds every post."""
    from handlers.recommend.embedder import means_fingerprint
    return state.key("rec", "index_cursor", means_fingerprint(), tag="recs")
