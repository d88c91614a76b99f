"""What the users domain tells the domains above it (server/hooks.py)."""
from __future__ import annotations

from server.hooks import Hook

# (state, *user_ids): whom these users follow or block changed, or one of them was erased;
# anything derived from their social graph (the feed's cached timelines) is stale.
graph_changed = Hook("users.graph_changed")
