"""Recommend jobs, run by `python -m server worker` (queue "recommend")."""
from __future__ import annotations

from handlers.recommend import actions, indexing
from handlers.recommend.index import vector_index

QUEUES = ("recommend",)


async def index_posts(state, payload: dict):
    return await indexing.do_index_posts(state)


index_posts.periodic = True  # offered every few seconds: its log lines are DEBUG


async def rebuild_index(state, payload: dict):
    return await indexing.do_rebuild_index(state)


async def refresh_candidates(state, payload: dict):
    return await indexing.do_refresh_candidates(state, payload["user_id"])


async def learn(state, payload: dict):
    return await actions.do_learn_from_engagement(state, payload["user_id"], payload["post_id"],
                                                  payload["kind"])


async def forget_user(state, payload: dict):
    await vector_index(state).delete_user(payload["user_id"])


JOBS = {
    "recommend.index_posts": index_posts,
    "recommend.rebuild_index": rebuild_index,
    "recommend.refresh_candidates": refresh_candidates,
    "recommend.learn": learn,
    "recommend.forget_user": forget_user,
}
