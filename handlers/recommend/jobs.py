"""Recommend jobs, run by `python -m server worker` (queue "recommend")."""
from __future__ import annotations

from handlers.recommend import actions
from handlers.recommend.index import vector_index

QUEUES = ("recommend",)


async def index_posts(state, payload: dict):
    return await actions.do_index_posts(state)


async def refresh_candidates(state, payload: dict):
    return await actions.do_refresh_candidates(state, payload["user_id"])


async def forget_user(state, payload: dict):
    await vector_index(state).delete_user(payload["user_id"])


JOBS = {
    "recommend.index_posts": index_posts,
    "recommend.refresh_candidates": refresh_candidates,
    "recommend.forget_user": forget_user,
}
