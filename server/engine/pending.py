"""python-socketio's lists of sockets being connected or disconnected, with O(1) membership.

Upstream BaseManager keeps `pending_connect` / `pending_disconnect` as a plain list per
namespace and asks `sid in list` on every `is_connected` (each room join and leave, each
disconnect): with hundreds of connects in progress in a reconnect storm that scan took 8 % of
the surviving process (py-spy). The upstream code only appends, removes, tests membership
and takes the length, so a list that also keeps a set answers the same, in constant time.
"""
from __future__ import annotations


class SidList(list):
    """A list of sids (order kept, as upstream) with a set for `in` and `remove`."""

    __slots__ = ("_members",)

    def __init__(self, items=()):
        super().__init__(items)
        self._members = set(self)

    def append(self, sid) -> None:
        super().append(sid)
        self._members.add(sid)

    def remove(self, sid) -> None:
        if sid not in self._members:
            raise ValueError(f"{sid!r} is not pending")
        super().remove(sid)  # linear, but once per socket, not per membership test
        self._members.discard(sid)  # a sid is pending once at most

    def __contains__(self, sid) -> bool:
        return sid in self._members


class PendingSids(dict):
    """namespace -> SidList; upstream assigns a fresh `[]` per namespace, stored as a SidList."""

    def __setitem__(self, namespace, sids) -> None:
        super().__setitem__(namespace, sids if isinstance(sids, SidList) else SidList(sids))
