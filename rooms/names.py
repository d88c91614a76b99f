"""Room names, from one function each, so every module spells them the same way."""


def user_room(user_id: object) -> str:
    """Every socket of one user, on every process."""
    return f"user:{user_id}"


def conv_room(conversation_id: object) -> str:
    return f"conv:{conversation_id}"


def circle_room(circle_id: object) -> str:
    return f"circle:{circle_id}"


def post_room(post_id: object) -> str:
    return f"post:{post_id}"


def live_room(stream_id: object) -> str:
    return f"live:{stream_id}"


def session_room(session_id: object) -> str:
    """Every socket opened with one login session (one device); used to cut a revoked one."""
    return f"session:{session_id}"


def mod_queue_room() -> str:
    """Moderators working the review queue: live updates when items arrive, are taken, decided."""
    return "mod:queue"


def presence_room(user_id: object) -> str:
    """Sockets allowed to watch one user's presence (joined by `presence:subscribe`)."""
    return f"presence:{user_id}"
