"""The domains, one folder each. A domain may have:

- `events.py`: socket events registered with `server.sockets.on` (imported for effect);
- `routes.py`: `routes = aiohttp.web.RouteTableDef()` mounted on the app;
- `lifecycle.py`: `async def startup(state)` / `async def shutdown(state)` for this process;
- `jobs.py`: `JOBS = {name: async fn(state, payload)}` run by `python -m server worker`.

`discover()` imports what exists, so adding a domain never edits a central list.
"""
from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field
from types import ModuleType


@dataclass
class Domain:
    name: str
    events: ModuleType | None = None
    routes: ModuleType | None = None
    lifecycle: ModuleType | None = None
    jobs: ModuleType | None = None
    commands: ModuleType | None = None


@dataclass
class Domains:
    items: list[Domain] = field(default_factory=list)

    def __iter__(self):
        return iter(self.items)


def _try_import(name: str) -> ModuleType | None:
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name == name:
            return None
        raise


def discover() -> Domains:
    found = Domains()
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if not info.ispkg:
            continue
        base = f"{__name__}.{info.name}"
        found.items.append(Domain(
            name=info.name,
            events=_try_import(f"{base}.events"),
            routes=_try_import(f"{base}.routes"),
            lifecycle=_try_import(f"{base}.lifecycle"),
            jobs=_try_import(f"{base}.jobs"),
            commands=_try_import(f"{base}.commands"),
        ))
    return found
