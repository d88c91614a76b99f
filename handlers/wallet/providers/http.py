"""The HTTP session every provider adapter keeps: opened on first use (adapters are built
before the event loop runs), reopened if closed, closed with the runtime."""
from __future__ import annotations

import aiohttp


class ProviderHttp:
    """Base of the adapters: `self.http` is their aiohttp session, 10 s per call."""

    _http: aiohttp.ClientSession | None = None

    def session_headers(self) -> dict[str, str]:
        """Headers sent on every call of this provider (none unless an adapter says so)."""
        return {}

    @property
    def http(self) -> aiohttp.ClientSession:
        if self._http is None or self._http.closed:
            self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10),
                                               headers=self.session_headers())
        return self._http

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()
