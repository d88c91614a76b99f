"""Redis key names of the recommend domain, one function each (all derived, rebuildable).

One hash tag for the domain (Redis Cluster): the gather script reads a user's sets together
with the shared interest and trending lists, and trending is rebuilt in one transaction."""
from __future__ import annotations


def candidates_key(state, uid): return state.key("rec", "cand", uid, tag="rec")
def candidates_fresh_key(state, uid): return state.key("rec", "cand_fresh", uid, tag="rec")
def seen_key(state, uid): return state.key("rec", "seen", uid, tag="rec")
def viewed_key(state, uid, post_id): return state.key("rec", "viewed", uid, post_id, tag="rec")
def page_key(state, uid, token): return state.key("rec", "page", uid, token, tag="rec")
def interest_key(state, name): return state.key("rec", "interest", name, tag="rec")
def trending_key(state, scope, value):
    return state.key("rec", "trend", scope, value or "-", tag="rec")
def trending_keys_key(state): return state.key("rec", "trend_keys", tag="rec")
def trending_full_key(state): return state.key("rec", "trend_full", tag="rec")
def cursor_key(state):
    """The indexer's cursor, per embedding version: a new version re-embeds every post."""
    from handlers.recommend.embedder import means_fingerprint
    return state.key("rec", "index_cursor", means_fingerprint(), tag="rec")
