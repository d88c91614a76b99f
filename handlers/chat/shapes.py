"""What clients see of chat rows, and where chat events go."""
from __future__ import annotations

from datetime import datetime

from rooms.names import user_room


def ms(t: datetime | None) -> int | None:
    return int(t.timestamp() * 1000) if t else None


def message_out(r) -> dict:
    """A stored message as clients see it (tombstones keep their place, lose their content)."""
    return {
        "id": r["id"], "conversation_id": r["conversation_id"], "seq": r["seq"],
        "rev": r["rev"], "sender_id": r["sender_id"], "client_id": r["client_id"],
        "kind": r["kind"], "text": r["body"], "reply_to": r["reply_to_seq"],
        "media": r["media"], "data": r["data"], "held": r["status"] == "held",
        "created_at": ms(r["created_at"]), "edited_at": ms(r["edited_at"]),
        "deleted": r["deleted_at"] is not None,
    }


def rooms_of(user_ids) -> list[str]:
    return [user_room(u) for u in user_ids]
