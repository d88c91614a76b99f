"""Who exists and who may reach whom: the users domain's checks, called downward by every
domain that shows or sends something to a user (feed, interactions, chat...)."""
from __future__ import annotations

import re

from handlers.users import queries as q
from server.errors import AppError, NotFound

UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


class Blocked(AppError):
    def __init__(self, message: str = "You cannot see or reach this user"):
        super().__init__("blocked", message, status=403)


class UserNotFound(NotFound):
    def __init__(self):
        super().__init__("No such user", code="user_not_found")


def check_user_id(value: str) -> str:
    if not isinstance(value, str) or not UUID.match(value):
        raise UserNotFound()
    return value.lower()


async def check_user_exists(conn, user_id: str) -> None:
    status = await conn.fetchval(q.USER_EXISTS, check_user_id(user_id))
    if status is None or status == "deleted":
        raise UserNotFound()


async def check_not_blocked(conn, a: str, b: str) -> None:
    """Raise `blocked` when either user blocked the other."""
    if a != b and await conn.fetchval(q.EITHER_BLOCKED, a, b):
        raise Blocked()
