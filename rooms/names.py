"""Room names, from one function each, so every module spells them the same way.

The two rooms the runtime itself joins every socket to (its user's, its session's) are named
in server/user_rooms.py and re-exported here, so domains take every room name from here."""
from server.user_rooms import session_room, user_room  # noqa: F401 (re-exported)


def conv_room(conversation_id: object) -> str:
    return f"conv:{conversation_id}"


def circle_room(circle_id: object) -> str:
    return f"circle:{circle_id}"


def post_room(post_id: object) -> str:
    return f"post:{post_id}"


def live_room(stream_id: object) -> str:
    return f"live:{stream_id}"



def mod_queue_room() -> str:
    """Moderators working the review queue: live updates when items arrive, are taken, decided."""
    return "mod:queue"


def presence_room(user_id: object) -> str:
    """Sockets allowed to watch one user's presence (joined by `presence:subscribe`)."""
    return f"presence:{user_id}"
