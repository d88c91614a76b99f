"""Fan-out of published posts and their retraction, run as background jobs (queue `feed`).

Publishing commits the post and queues `feed.fanout`; the request returns at once. The job
(in `python -m server worker`, or the in-process feed worker every serving process runs, see
lifecycle.py) writes the post into its followers' cached home timelines and pushes `feed:new`
to their sockets on every process. Fan-out is hybrid, as big timelines do it:
- authors below the pull threshold are *pushed*: the post id goes into every follower's
  cached home timeline (timeline.push: one pipelined round trip of Lua calls per page);
- authors at or above it are *pulled*: their posts are merged in when a follower reads.
Deletes, moderator removals and narrowed visibility queue `feed.retract`: the post leaves the
cached timelines and `feed:remove` reaches everyone who may hold it on screen.

The post's feed position stays *in flight* (timeline.py) until its fan-out job has written
every timeline, so readers paging meanwhile neither skip nor repeat it; a job that dies is
retried by the queue, and its position expires from the in-flight set after INFLIGHT_TTL_MS.
Jobs are idempotent: timelines are sorted sets (same member, same score), and a post that is
no longer published when its job runs is not fanned out.
"""
from __future__ import annotations

import asyncio

import structlog

from handlers.feed import queries as q
from handlers.feed import timeline, trending
from handlers.feed.posts import broadcast_view, post_json
from rooms.names import post_room, user_room
from server.clock import now
from server.jobs import enqueue
from server.state import AppState

log = structlog.get_logger("feed")

QUEUE = "feed"
FANOUT_JOB = "feed.fanout"
RETRACT_JOB = "feed.retract"
EMIT_BATCH = 1000  # user rooms per Socket.IO adapter message


async def fanout_mode(state: AppState, row) -> str:
    """How a post reaches its readers: circle, story, push (timelines written) or pull."""
    if row["visibility"] == "circle":
        return "circle"
    if row["is_story"]:
        return "story"
    followers = await state.db.fetchval(q.FOLLOWER_COUNT, row["author_id"])
    return "push" if followers < timeline.pull_threshold(state) else "pull"


async def schedule_fanout(state: AppState, post_id: str, mode: str,
                          token: str | None) -> None:
    """Queue the fan-out of a committed, published post. `token` is its in-flight position
    (finished by the job once every timeline is written)."""
    try:
        await enqueue(state, FANOUT_JOB, {"post_id": post_id, "mode": mode, "token": token},
                      queue=QUEUE)
    except Exception:
        # the post is stored; readers rebuild from PostgreSQL, the position expires
        log.exception("feed_fanout_enqueue_failed", post_id=post_id)
        if token:
            await timeline.finish_position(state, token)


async def schedule_retract(state: AppState, post_id: str, *, drop: bool = True,
                           update: bool = False) -> None:
    """Queue `feed:remove` to everyone who may show the post; `drop` also takes it out of
    the cached timelines (False when it stays visible to some, e.g. narrowed to followers);
    `update` then sends `feed:update` to its room, so those who still may see it re-fetch."""
    await enqueue(state, RETRACT_JOB, {"post_id": post_id, "drop": drop, "update": update},
                  queue=QUEUE)


async def followers(state: AppState, author: str):
    """Followers of `author` in keyset-paged batches: (all ids, ids that did not mute). The
    next page is fetched while the caller works on this one."""
    async def page(after: str):
        return await state.db.fetch(q.FOLLOWERS_BATCH, author, after, timeline.FOLLOWER_PAGE)

    nxt = asyncio.ensure_future(page("00000000-0000-0000-0000-000000000000"))
    try:
        while nxt is not None:
            batch = await nxt
            nxt = None
            if not batch:
                return
            ids = [r[0] for r in batch]
            if len(ids) == timeline.FOLLOWER_PAGE:
                nxt = asyncio.ensure_future(page(ids[-1]))
            yield ids, [r[0] for r in batch if not r[1]]
    finally:
        if nxt is not None:
            nxt.cancel()


async def _emit_to_users(state: AppState, event: str, data: dict, users: list[str]) -> None:
    rooms = [user_room(u) for u in users]
    for i in range(0, len(rooms), EMIT_BATCH):
        await state.emitter.emit(event, data, room=rooms[i:i + EMIT_BATCH])


async def _circle_members(state: AppState, circle_id: str) -> list[str]:
    return [r[0] for r in await state.db.fetch(q.CIRCLE_MEMBER_IDS, circle_id)]


async def distribute(state: AppState, row, mode: str, token: str | None = None) -> int:
    """Write timelines (push mode), finish the post's in-flight position (`token`), then push
    `feed:new` to online readers, so a reader told of the post can page to it. Returns how
    many readers it reached (followers, or circle members)."""
    post = broadcast_view(post_json(row))
    author = row["author_id"]
    if mode == "circle":
        listening = await _circle_members(state, row["circle_id"])
        n = len(listening)
    else:
        own = [] if mode == "story" else [author]  # the author's own timeline too
        listening, n = [], 0
        async for batch, awake in followers(state, author):
            targets = own + batch if mode == "push" else own
            if targets:  # one round trip per page, while the next page is fetched
                await timeline.push(state, targets, row["id"], row["seq"])
            own = []
            listening += awake
            n += len(batch)
        if own:
            await timeline.push(state, own, row["id"], row["seq"])
    if token:
        await timeline.finish_position(state, token)
    feed = {"circle": "circle", "story": "stories"}.get(mode, "home")
    await _emit_to_users(state, "feed:new", {"post": post, "feed": feed}, listening)
    if mode in ("push", "pull"):  # a public post is in trending at once, not at the rescore
        await trending.bump_post(state, row["id"])
    return n


def running_jobs(state: AppState) -> int:
    """Feed jobs running in this process now (shutdown lets them finish)."""
    return state.extras.get("feed.running", 0)


def _counted(job):
    async def run(state: AppState, payload: dict) -> dict:
        state.extras["feed.running"] = running_jobs(state) + 1
        try:
            return await job(state, payload)
        finally:
            state.extras["feed.running"] -= 1
    run.__doc__, run.__name__ = job.__doc__, job.__name__
    return run


@_counted
async def run_fanout(state: AppState, payload: dict) -> dict:
    """The `feed.fanout` job."""
    row = await state.db.fetchrow(q.GET_POST, None, now(state), payload["post_id"])
    token = payload.get("token")
    if row is None or row["status"] != "published" or row["seq"] is None:
        if token:
            await timeline.finish_position(state, token)
        return {"recipients": 0}
    mode = payload.get("mode") or await fanout_mode(state, row)
    return {"recipients": await distribute(state, row, mode, token)}


async def fanout_failed(state: AppState, payload: dict, error: str) -> None:
    if payload.get("token"):
        await timeline.finish_position(state, payload["token"])


@_counted
async def run_retract(state: AppState, payload: dict) -> dict:
    """The `feed.retract` job: `feed:remove` to the post's room, its author, and its readers
    (circle members or followers); the post leaves their cached timelines."""
    row = await state.db.fetchrow(q.POST_ROW, payload["post_id"])
    if row is None:
        return {"recipients": 0}
    post_id, author = str(row["id"]), str(row["author_id"])
    data = {"post_id": post_id}
    drop = payload.get("drop", True) and row["status"] != "published"
    await state.emitter.emit("feed:remove", data, room=post_room(post_id))
    # watchers lose the live comments too; those still allowed re-open it (feed:watch)
    await state.emitter.close_room(post_room(post_id))
    if row["visibility"] == "circle" and row["circle_id"]:
        members = await _circle_members(state, str(row["circle_id"]))
        await _emit_to_users(state, "feed:remove", data, members)
        return {"recipients": len(members)}
    readers = [author]
    async for batch, _ in followers(state, author):
        readers += batch
    if drop:  # out of the timelines first: a reader told of the removal no longer sees it
        await timeline.pull_out(state, readers, post_id)
    await _emit_to_users(state, "feed:remove", data, readers)
    n = len(readers) - 1
    if payload.get("update") and row["status"] == "published":
        post = await state.db.fetchrow(q.GET_POST, None, now(state), post_id)
        await state.emitter.emit("feed:update", {"post": broadcast_view(post_json(post))},
                                 room=post_room(post_id))
    return {"recipients": n}
