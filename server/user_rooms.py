"""The rooms the runtime joins every authenticated socket to (rooms/names.py names the rest)."""
from __future__ import annotations


def user_room(user_id: object) -> str:
    """Every socket of one user, on every process."""
    return f"user:{user_id}"


def session_room(session_id: object) -> str:
    """Every socket opened with one login session (one device); used to cut a revoked one."""
    return f"session:{session_id}"
