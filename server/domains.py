"""The domains are discovered, not imported: the runtime loads every folder of the domain
package (`handlers` unless DOMAIN_PACKAGE says otherwise) by name, so `server` never imports a
domain (imports go one way: docs/architecture.md) and adding a domain never edits a central
list. What a domain folder may hold is described in handlers/__init__.py.
"""
from __future__ import annotations

import importlib
import os
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
    contract: ModuleType | None = None


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


def discover(package: str | None = None) -> Domains:
    """Import what each domain folder of `package` holds (events register socket events)."""
    name = package or os.environ.get("DOMAIN_PACKAGE", "handlers")
    root = importlib.import_module(name)
    found = Domains()
    for info in sorted(pkgutil.iter_modules(root.__path__), key=lambda i: i.name):
        if not info.ispkg:
            continue
        base = f"{name}.{info.name}"
        found.items.append(Domain(
            name=info.name,
            events=_try_import(f"{base}.events"),
            routes=_try_import(f"{base}.routes"),
            lifecycle=_try_import(f"{base}.lifecycle"),
            jobs=_try_import(f"{base}.jobs"),
            commands=_try_import(f"{base}.commands"),
            contract=_try_import(f"{base}.contract"),
        ))
    return found
