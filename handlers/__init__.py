"""The domains, one folder each. A domain may have:

- `events.py`: socket events registered with `server.sockets.on` (imported for effect);
- `routes.py`: `routes = aiohttp.web.RouteTableDef()` mounted on the app;
- `lifecycle.py`: `async def startup(state)` / `async def shutdown(state)` for this process;
- `jobs.py`: `JOBS = {name: async fn(state, payload)}` run by `python -m server worker`;
- `contract.py`: `REPLIES = {event: type}` (the `data` of each event's success ack) and
  `PUSHES = {event: type}` (the payload of each event the domain sends), msgspec Structs from
  which scripts/gen_asyncapi.py writes http/asyncapi.yaml; tests/test_asyncapi.py holds them
  to what a live server really sends.

`server.domains.discover()` imports what exists, so adding a domain never edits a central
list, and the runtime never imports a domain by name. The domains' own order (which may
import which) is declared in pyproject.toml ([tool.importlinter]) and explained in
docs/architecture.md.
"""


def discover():
    """The domains of this package, loaded (the runtime's `server.domains.discover`)."""
    from server.domains import discover as discover_domains

    return discover_domains(__name__)
