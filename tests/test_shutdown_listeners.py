"""A process stopping its Redis listeners can still write to Redis afterwards (SIGTERM path:
the live domain ends its streams after closing its takeover listener)."""
from __future__ import annotations

from handlers.auth import lifecycle as auth_lifecycle
from handlers.live import takeover


async def _writes_after(state) -> list[str]:
    errors = []
    for i in range(10):
        try:
            await state.redis.set(state.key("shutdown-probe", i), "1", ex=5)
        except Exception as exc:  # what the process's own shutdown writes met
            errors.append(f"{type(exc).__name__}: {exc}")
    return errors


async def test_closing_the_live_takeover_listener_leaves_the_redis_pool_usable(live_app):
    state = live_app.state
    await takeover.stop_listening(state)
    assert await _writes_after(state) == []
    await takeover.start_listening(state)  # the app's own shutdown closes it again


async def test_closing_the_revocation_listener_leaves_the_redis_pool_usable(live_app):
    state = live_app.state
    await auth_lifecycle.shutdown(state)
    assert await _writes_after(state) == []
