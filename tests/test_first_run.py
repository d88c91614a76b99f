"""The README's first command runs the whole product (issue #18).

The module starts the Quickstart's first command exactly as the README writes it, in a fresh
copy of the repository with no store URLs set, and drives it as a newcomer would: sign-ups
through the development outbox, a tus upload to `media:ready`, a top-up through the
development checkout and a tip, `token` / `emit` / `user create` / `dev-pay` beside it, the
example clients, and the HTTP API from another origin.

Reusing the installed venv: the command begins `python3 -m venv .venv && .venv/bin/pip
install -q uv && .venv/bin/uv pip install -p .venv -e .`. Installing again would take the
network, so `python3` on the command's PATH is a stand-in (written below) that answers
`-m venv .venv` with a `.venv/bin/python` that runs the interpreter running these tests
(which has the project's dependencies installed), a `.venv/bin/pip` that accepts only
`install -q uv` (and writes `.venv/bin/uv`), and a `.venv/bin/uv` that accepts only
`pip install -p .venv -e .`; they do nothing else. The real install is timed in
docs/benchmarks.md ("First run, again"). The web app's build (`bash scripts/build_web.sh`) is the web app's own tests'
business (tests/test_web_app.py builds and drives it); here `npm` is left off the command's
PATH, so the script takes its documented "npm not found, skipping" path in a second. Everything
after that, `.venv/bin/python -m server serve`, runs for real from the fresh copy
(`python -m` puts the copy first on sys.path).
"""
from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import aiohttp
import pytest

from tests.support.auth_api import FAST_AUTH_ENV, AuthApi
from tests.support.clients import SocketClient
from tests.support.servers import free_port

pytestmark = pytest.mark.timeout(420)  # a first start runs initdb; slow on a busy 2-core box
ROOT = Path(__file__).resolve().parents[1]
JS_MODULES = ROOT / "tests" / "js" / "node_modules"
URL_VARS = ("DATABASE_URL", "REDIS_URL", "QDRANT_URL", "DATABASE_SCHEMA", "REDIS_PREFIX",
            "APP_ENV", "DATA_DIR", "MEDIA_ROOT", "PYTHONPATH", "PORT", "HOST")
ORIGIN = "http://localhost:5173"  # a web app's dev server: another origin


def crashed(log: str) -> bool:
    """An uncaught exception (a traceback printed at the start of a line), as opposed to an
    error a domain logged as a JSON line and carried on from."""
    return any(line.startswith("Traceback (most recent call last)") for line in log.splitlines())


def readme_quickstart_blocks() -> list[str]:
    """The shell blocks of the README's Quickstart, as written."""
    text = (ROOT / "README.md").read_text()
    quick = text[text.index("## Quickstart"):]
    quick = quick[:quick.index("\n## ", 10)]
    return [b.strip() for b in re.findall(r"```(?:bash|sh)\n(.+?)\n```", quick, re.S)]


def readme_first_command() -> str:
    return readme_quickstart_blocks()[0]


PY_STANDIN = """#!/bin/sh
# `python3 -m venv .venv` in the README command: reuse the installed venv (module docstring).
if [ "$1" = "-m" ] && [ "$2" = "venv" ] && [ "$3" = ".venv" ]; then
  mkdir -p .venv/bin && printf '#!/bin/sh\nexec {python} "$@"\n' > .venv/bin/python
  cat > .venv/bin/pip <<'PIP'
#!/bin/sh
[ "$*" = "install -q uv" ] || exit 9
printf '#!/bin/sh\\n[ "$*" = "pip install -p .venv -e ." ] || exit 9\\n' > .venv/bin/uv
chmod +x .venv/bin/uv
PIP
  chmod +x .venv/bin/pip .venv/bin/python
  exit 0
fi
exec {python} "$@"
"""


def fresh_copy() -> Path:
    """The repository's files (tracked and new, not ignored) in a new directory, as a clone
    would have them. Outside pytest's 0700 tmp root: embedded PostgreSQL runs as another user."""
    base = Path(tempfile.mkdtemp(prefix="sawt-first-run-"))
    base.chmod(0o755)
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT,
                           capture_output=True, text=True, check=True).stdout.split("\n")
    repo = base / "sawt"
    for rel in filter(None, files):
        src = ROOT / rel
        if src.is_file():
            (repo / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, repo / rel)
    shim = base / "bin"
    shim.mkdir()
    (shim / "python3").write_text(PY_STANDIN.format(python=sys.executable))
    (shim / "python3").chmod(0o755)
    tools = base / "tools"  # every program on PATH but npm/npx (module docstring)
    tools.mkdir()
    for d in os.environ["PATH"].split(":"):
        for exe in (Path(d).iterdir() if Path(d).is_dir() else ()):
            if exe.name not in ("npm", "npx", "python3") and not (tools / exe.name).exists():
                (tools / exe.name).symlink_to(exe)
    return base


class FirstRun:
    def __init__(self) -> None:
        self.base = fresh_copy()
        self.cwd = self.base / "sawt"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {k: v for k, v in os.environ.items() if k not in URL_VARS}
        self.env.update(FAST_AUTH_ENV)
        self.env["PATH"] = f"{self.base / 'bin'}:{self.base / 'tools'}"
        self.env["PORT"] = str(self.port)  # the command's default port (8080) may be taken
        self.log_path = self.base / "serve.log"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(["bash", "-c", readme_first_command()], cwd=self.cwd,
                                     env=self.env, stdout=open(self.log_path, "wb"),
                                     stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 240  # first start: initdb on a busy machine
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, f"exited early:\n{self.log()}"
            try:
                with urllib.request.urlopen(self.url + "/readyz", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.2)
        raise TimeoutError(self.log())

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]

    async def command(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        """`python -m server ...` beside the running server, from the same directory (in a
        thread: the test's sockets keep answering their pings meanwhile)."""
        return await asyncio.to_thread(
            subprocess.run, [".venv/bin/python", "-m", "server", *args], cwd=self.cwd,
            env=self.env, capture_output=True, text=True, timeout=timeout)

    def stop(self) -> int | None:
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGINT)  # Ctrl-C in the terminal
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        return self.proc.returncode


@pytest.fixture(scope="module")
def first_run():
    run = FirstRun()
    try:
        run.start()
        yield run
    finally:
        code = run.stop()
        log, full = run.log(), run.log_path.read_text(errors="replace")
        shutil.rmtree(run.base, ignore_errors=True)
        assert code == 0, log
        assert not crashed(full), log
        assert '"job": "recommend.index_posts"' not in full, "periodic job logged at INFO"


async def _ready(url: str) -> int:
    async with aiohttp.ClientSession() as http:
        async with http.get(url + "/readyz") as r:
            return r.status


async def test_the_first_command_runs_every_path(first_run, tmp_path):
    from tests.support.media import make_clip, tus_upload

    run = first_run
    log = run.log()
    assert '"event": "READY"' in log and f'"data_dir": "{run.cwd / ".data"}"' in log, log
    api = AuthApi(run.url)
    socks: list[SocketClient] = []
    try:
        # The HTTP API from a browser app on another origin: preflight, then the call.
        async with api.http.options(run.url + "/v1/auth/otp", headers={
                "Origin": ORIGIN, "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "content-type"}) as r:
            assert r.status in (200, 204), await r.text()
            assert r.headers.get("Access-Control-Allow-Origin") in (ORIGIN, "*")
            assert "POST" in r.headers.get("Access-Control-Allow-Methods", "")
        async with api.http.post(run.url + "/v1/auth/otp", headers={"Origin": ORIGIN}, json={
                "phone": "01011110099", "channel": "whatsapp", "purpose": "register"}) as r:
            assert r.status == 202
            assert r.headers.get("Access-Control-Allow-Origin") in (ORIGIN, "*")

        # Two sign-ups through the development outbox; one becomes a creator by the CLI.
        creator = await api.sign_up("01011110001", name="Salma")
        fan = await api.sign_up("01011110002", name="Karim")
        made = await run.command("user", "create", "--phone", "01011110001", "--role", "creator",
                           "--password", "correct horse 42")
        assert made.returncode == 0, made.stderr
        assert json.loads(made.stdout)["role"] == "creator"
        creator = await api.login("01011110001")  # the role is in the next token
        c_sock = SocketClient(run.url, creator["access_token"])
        f_sock = SocketClient(run.url, fan["access_token"])
        socks += [c_sock, f_sock]
        await c_sock.connect()
        await f_sock.connect()

        # A video uploaded with tuspy becomes ready with nothing else running.
        clip = make_clip(tmp_path / "clip.mp4", seconds=1.0, width=320, height=240)
        await asyncio.to_thread(tus_upload, run.url, creator["access_token"], clip,
                                chunk_size=1 << 20)
        ready = await c_sock.next("media:ready", timeout=120)
        assert ready["status"] == "ready"
        steps = [(p["stage"], p["percent"]) for p in c_sock.drain("media:progress")]
        assert ("transcoding", 5) in steps and len(steps) == len(set(steps)), steps

        # The fan tops up through the Paymob checkout page (the simulator sends the signed
        # callback), sees the balance pushed, and tips the creator.
        top = await f_sock.ok("wallet:topup", {"provider": "paymob", "amount": 5000,
                                               "method": "vodafone_cash",
                                               "phone": "01011110002",
                                               "idempotency_key": uuid.uuid4().hex})
        checkout = top["instructions"]["checkout_url"]
        async with api.http.get(checkout) as r:
            assert r.status == 200 and "Decline" in await r.text()
        async with api.http.post(checkout, data={"action": "pay"}) as r:
            assert r.status == 200 and "paid" in await r.text()
        balance = await f_sock.next("wallet:balance", timeout=20)
        assert balance["wallet"] == 5000
        # a Fawry reference paid from the CLI, as a newcomer without a Fawry outlet would
        fawry = await f_sock.ok("wallet:topup", {"provider": "fawry", "amount": 2000,
                                                 "idempotency_key": uuid.uuid4().hex})
        paid = await run.command("dev-pay", fawry["instructions"]["fawry_reference"])
        assert paid.returncode == 0, paid.stdout + paid.stderr
        assert (await f_sock.next("wallet:balance", timeout=20))["wallet"] == 7000
        # an InstaPay transfer and a declined Paymob checkout, from /dev/payments
        insta = await f_sock.ok("wallet:topup", {"provider": "instapay", "amount": 1500,
                                                 "idempotency_key": uuid.uuid4().hex})
        declined = await f_sock.ok("wallet:topup", {"provider": "paymob", "amount": 3000,
                                                    "method": "orange_cash",
                                                    "phone": "01211110002",
                                                    "idempotency_key": uuid.uuid4().hex})
        async with api.http.get(run.url + "/dev/payments") as r:
            page = await r.text()
            assert insta["reference"] in page and declined["reference"] in page
        for ref, action in ((insta["reference"], "pay"), (declined["reference"], "decline")):
            async with api.http.post(f"{run.url}/dev/payments/{ref}",
                                     json={"action": action}) as r:
                assert r.status == 200, await r.text()
                assert (await r.json())["callback_status"] == 200
        assert (await f_sock.next("wallet:balance", timeout=20))["wallet"] == 8500
        assert (await f_sock.ok("wallet:balance", {}))["wallet"] == 8500  # decline moved none
        tip = await f_sock.ok("wallet:tip", {"creator_id": creator["user_id"],
                                             "amount": 1000,
                                             "idempotency_key": uuid.uuid4().hex})
        assert tip is not None

        # Commands beside the server attach to its stores and leave them running.
        tok = await run.command("token", creator["user_id"])
        assert tok.returncode == 0 and tok.stdout.strip(), tok.stderr
        emitted = await run.command("emit", fan["user_id"], "system:hello", '{"hi": 1}')
        assert emitted.returncode == 0, emitted.stderr
        assert await f_sock.next("system:hello", timeout=30) == {"hi": 1}, run.log()
        assert await _ready(run.url) == 200
        ping = SocketClient(run.url, tok.stdout.strip())
        socks.append(ping)
        await ping.connect()
        assert (await ping.ok("system:ping", {}))["user_id"] == creator["user_id"]
    finally:
        for s in socks:
            await s.close()
        await api.close()


def _node(*args: str, env: dict) -> subprocess.Popen:
    if shutil.which("node") is None or not JS_MODULES.exists():
        pytest.fail("node and tests/js/node_modules are needed (bash scripts/test.sh installs "
                    "them)")
    return subprocess.Popen(["node", "examples/dm.js", *args], cwd=ROOT, text=True,
                            env={**env, "NODE_PATH": str(JS_MODULES)},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _python(*args: str, env: dict) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "examples/dm.py", *args], cwd=ROOT, text=True,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


async def test_example_clients_send_a_dm_each_way(first_run):
    """The README's two example clients, exactly as shipped: each one waits for a DM that
    the other sends; a bad token ends in a readable `connect refused` line."""
    run = first_run
    api = AuthApi(run.url)
    try:
        a = await api.sign_up("01011110011", name="Mona")
        b = await api.sign_up("01011110012", name="Omar")
    finally:
        await api.close()
    env = {**os.environ, "SAWT_URL": run.url}
    for listen, send, who, peer in ((_node, _python, b, a), (_python, _node, a, b)):
        listener = listen(who["access_token"], env=env)
        line = await asyncio.to_thread(listener.stdout.readline)
        assert line.startswith("connected"), line + listener.stderr.read()
        sender = send(peer["access_token"], who["user_id"], "sabah el kheir ya gama3a", env=env)
        out, err = await asyncio.to_thread(sender.communicate, timeout=30)
        assert sender.returncode == 0 and ("'ok': True" in out or '"ok":true' in out), out + err
        got, err = await asyncio.to_thread(listener.communicate, timeout=30)
        assert listener.returncode == 0, err
        assert got.strip() == f"{peer['user_id']}: sabah el kheir ya gama3a"
    for client in (_node, _python):
        bad = client("not-a-token", env=env)
        _, err = await asyncio.to_thread(bad.communicate, timeout=30)
        assert bad.returncode == 1 and "connect refused" in err, err


async def test_the_quickstart_sign_up_and_dm_blocks_work_as_written(first_run):
    """Steps 2 and 3 of the Quickstart, pasted into a shell beside the running server."""
    run = first_run
    script = "set -e\n" + "\n".join(readme_quickstart_blocks()[1:3])
    done = await asyncio.to_thread(
        subprocess.run, ["bash", "-c", script], cwd=run.cwd, capture_output=True, text=True,
        timeout=120, env={**run.env, "SAWT_URL": run.url})
    assert done.returncode == 0, done.stdout + done.stderr
    mona = re.search(r"Mona (\S+) / Omar (\S+)", done.stdout)
    assert mona, done.stdout + done.stderr
    assert f"{mona.group(1)}: sabah el kheir ya Omar\n" in done.stdout, done.stdout


def test_attached_worker_leaves_cleanly_when_the_owner_stops(tmp_path):
    """Stores have one owner: a second `serve` on a taken port fails in one line and leaves
    them running; a `worker` attached to them exits with a clear error when the owner stops,
    and the owner stops them (nothing left running, no state file)."""
    data = Path(tempfile.mkdtemp(prefix="sawt-owner-"))
    data.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k not in URL_VARS}
    env.update({"DATA_DIR": str(data), "PYTHONPATH": str(ROOT), "STORES_OWNER_WAIT": "20"})
    port = free_port()

    def start(*args: str, name: str) -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-m", "server", *args], cwd=ROOT, env=env,
                                stdout=open(tmp_path / f"{name}.log", "wb"),
                                stderr=subprocess.STDOUT)

    def wait_for(name: str, text: str, proc: subprocess.Popen) -> None:
        for _ in range(2400):
            log = (tmp_path / f"{name}.log").read_text(errors="replace")
            if text in log:
                return
            assert proc.poll() is None, log
            time.sleep(0.1)
        raise TimeoutError(log)

    owner = start("serve", "--port", str(port), name="owner")
    worker = None
    try:
        wait_for("owner", '"event": "READY"', owner)
        state = json.loads((data / "stores.json").read_text())
        assert state["owner_pid"] == owner.pid and state["status"] == "running"

        second = subprocess.run([sys.executable, "-m", "server", "serve", "--port", str(port)],
                                cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
        assert second.returncode == 2
        assert second.stderr.strip().startswith(f"error: cannot listen on 127.0.0.1:{port}")
        assert len(second.stderr.strip().splitlines()) == 1, second.stderr
        assert not crashed(second.stderr + second.stdout)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=5) as r:
            assert r.status == 200  # the failed second serve stopped nothing

        worker = start("worker", name="worker")
        wait_for("worker", "WORKER_READY", worker)
        assert worker.pid in json.loads((data / "stores.json").read_text())["attached"]
        owner.send_signal(signal.SIGINT)
        assert worker.wait(60) == 1
        wlog = (tmp_path / "worker.log").read_text()
        assert "stopping with their owner" in wlog and not crashed(wlog), wlog
        assert owner.wait(60) == 0
        olog = (tmp_path / "owner.log").read_text()
        assert '"event": "STOPPED"' in olog and not crashed(olog), olog
        assert not (data / "stores.json").exists()
        assert not (data / "postgres" / "postmaster.pid").exists()
    finally:
        for p in (worker, owner):  # Ctrl-C first: a killed owner would leave its stores
            if p is not None and p.poll() is None:
                p.send_signal(signal.SIGINT)
                try:
                    p.wait(30)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait(10)
        shutil.rmtree(data, ignore_errors=True)


async def test_seed_fills_a_demo_world_and_says_how_to_sign_in(first_run):
    run = first_run
    done = await run.command("seed", timeout=240)
    assert done.returncode == 0, done.stdout + done.stderr
    for name, role in (("Salma", "creator"), ("Karim", "user"), ("Nour", "user"),
                       ("Hoda", "moderator"), ("Adel", "admin")):
        assert re.search(rf"^{name}\s+{role}\s+\+20\d+\s+id ", done.stdout, re.M), done.stdout
    assert "whip_url" in done.stdout and "sawt demo 2026" in done.stdout
    api = AuthApi(run.url)
    socks = []
    try:
        karim = await api.login("01000000102", password="sawt demo 2026")
        hoda = await api.login("01000000104", password="sawt demo 2026")
        for who in (karim, hoda):
            socks.append(await SocketClient(run.url, who["access_token"]).connect())
        assert (await socks[0].ok("wallet:balance", {}))["wallet"] == 17500
        queue = await socks[1].ok("mod:queue", {})
        assert [i["text_snapshot"] for i in queue["items"]] == [
            "Etba3 el link da w eksab felous"]
    finally:
        for s in socks:
            await s.close()
        await api.close()


def test_a_development_worker_leaves_the_qdrant_folder_to_serve():
    """Qdrant local mode has one owner: in development that is `serve`; a worker beside it
    takes every other queue (it used to take `recommend` too and lock serve out)."""
    from server.config import Settings
    from server.worker import default_queues

    known = ["default", "feed", "media", "recommend"]
    assert default_queues(Settings(env="development"), known) == ["default", "feed", "media"]
    assert default_queues(Settings(env="development", qdrant_url="http://q:6333"),
                          known) == known
    assert default_queues(Settings(env="production"), known) == known


class Terminal:
    """`python -m server ...` as typed in a terminal of its own (own session, so Ctrl-C there
    reaches only it), with DATA_DIR shared and no store URLs."""

    def __init__(self, env: dict, logs: Path, name: str, *args: str):
        self.name, self.log_path = name, logs / f"{name}.log"
        self.proc = subprocess.Popen([sys.executable, "-m", "server", *args], cwd=ROOT,
                                     env=env, stdout=open(self.log_path, "wb"),
                                     stderr=subprocess.STDOUT, start_new_session=True)
        self.pid = self.proc.pid

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_for(self, text: str, seconds: float = 240) -> None:
        deadline = time.monotonic() + seconds
        while text not in self.log():
            assert self.proc.poll() is None, f"{self.name} exited:\n{self.log()}"
            assert time.monotonic() < deadline, f"{self.name}: no {text!r}:\n{self.log()}"
            time.sleep(0.1)

    def ctrl_c(self, seconds: float = 60) -> tuple[int, float]:
        started = time.monotonic()
        os.killpg(self.pid, signal.SIGINT)
        code = self.proc.wait(seconds)
        return code, time.monotonic() - started

    def end(self) -> None:
        if self.proc.poll() is None:
            try:
                self.ctrl_c(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)


def _state(data: Path) -> dict:
    """DATA_DIR's stores.json; {} once the stores were stopped."""
    try:
        return json.loads((data / "stores.json").read_text())
    except FileNotFoundError:
        return {}


def _ready_status(port: int) -> int:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=5) as r:
            return r.status
    except urllib.error.HTTPError as err:
        return err.code
    except OSError:
        return 0


def _owned_by(data: Path, pid: int, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while _state(data).get("owner_pid") != pid:
        assert time.monotonic() < deadline, f"stores.json: {_state(data)}"
        time.sleep(0.1)


def test_the_stores_follow_the_server_when_the_process_that_started_them_ends(tmp_path):
    """Stores have one owner, and a running server keeps them: a `worker` started first owns
    them and, on Ctrl-C, hands them to the `serve` started after it instead of stopping them;
    `user create`, `token` and `emit` beside that server attach and leave; a second `serve`
    takes them over when the first one is stopped (Ctrl-C) and a third when the second is
    killed (SIGKILL). The server answers `/readyz` 200 throughout, and the last one stopped
    takes the stores with it. Before the hand-off, the worker's exit stopped them and the
    server exited with "stopping with their owner"."""
    data = Path(tempfile.mkdtemp(prefix="sawt-handoff-"))
    data.chmod(0o755)  # embedded PostgreSQL runs as another user when we are root
    env = {k: v for k, v in os.environ.items() if k not in URL_VARS}
    env.update(FAST_AUTH_ENV)
    env.update({"DATA_DIR": str(data), "PYTHONPATH": str(ROOT), "STORES_OWNER_WAIT": "20"})
    terms: list[Terminal] = []

    def term(name: str, *args: str) -> Terminal:
        terms.append(Terminal(env, tmp_path, name, *args))
        return terms[-1]

    def command(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "server", *args], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=120)

    try:
        worker = term("worker", "worker")
        worker.wait_for("WORKER_READY")
        assert _state(data)["owner_pid"] == worker.pid
        port = free_port()
        first = term("serve1", "serve", "--port", str(port))
        first.wait_for('"event": "READY"')
        assert f"attached to pid {worker.pid}" in first.log()

        code, seconds = worker.ctrl_c()
        assert code == 0, worker.log()
        assert seconds < 10, f"the worker waited {seconds:.1f} s for the server to leave"
        _owned_by(data, first.pid)
        time.sleep(1)  # the server would have seen the stores go by now
        assert first.proc.poll() is None and _ready_status(port) == 200, first.log()
        assert "handed the embedded stores" in worker.log(), worker.log()
        first.wait_for("took over the embedded stores")

        made = command("user", "create", "--phone", "01000000777", "--role", "creator")
        assert made.returncode == 0, made.stdout + made.stderr
        user_id = json.loads(made.stdout.splitlines()[0])["user_id"]
        for args in (("token", user_id), ("emit", user_id, "notify:unread", '{"count": 1}')):
            done = command(*args)
            assert done.returncode == 0, done.stdout + done.stderr
        assert _state(data)["owner_pid"] == first.pid and first.proc.poll() is None
        assert _ready_status(port) == 200, first.log()

        port2 = free_port()
        second = term("serve2", "serve", "--port", str(port2))
        second.wait_for('"event": "READY"')
        code, _ = first.ctrl_c()
        assert code == 0 and "handed the embedded stores" in first.log(), first.log()
        _owned_by(data, second.pid)
        assert _ready_status(port2) == 200, second.log()

        port3 = free_port()
        third = term("serve3", "serve", "--port", str(port3))
        third.wait_for('"event": "READY"')
        second.proc.kill()  # no clean-up at all: the stores stay, their owner is gone
        second.proc.wait(10)
        _owned_by(data, third.pid)
        third.wait_for("took over the embedded stores")
        assert _ready_status(port3) == 200, third.log()
        again = command("token", user_id)
        assert again.returncode == 0, again.stdout + again.stderr

        redis_pid = _state(data)["redis"]["pid"]
        code, _ = third.ctrl_c()
        assert code == 0, third.log()
        assert not (data / "stores.json").exists()
        assert not (data / "postgres" / "postmaster.pid").exists()
        assert not psutil_alive(redis_pid)
        for t in terms:
            assert not crashed(t.log()), t.log()
    finally:
        for t in reversed(terms):
            t.end()
        shutil.rmtree(data, ignore_errors=True)


def psutil_alive(pid: int) -> bool:
    import psutil

    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
