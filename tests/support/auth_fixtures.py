"""Fixtures for the auth HTTP tests: a live app with cheap password hashing and its client.

Imported by name into the test modules that use them (`from ... import app, api`)."""
from __future__ import annotations

import pytest

from tests.conftest import LiveApp
from tests.support.auth_api import FAST_AUTH, AuthApi


@pytest.fixture
async def app(settings):
    a = await LiveApp(settings.with_(extra={"auth": FAST_AUTH})).start()
    yield a
    await a.stop()


@pytest.fixture
async def api(app):
    client = AuthApi(app.url)
    yield client
    await client.close()
