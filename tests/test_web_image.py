"""The Docker image serves the web app. No Docker daemon runs here, so the Dockerfile's `web`
stage is carried out as a builder would (its WORKDIR, COPY and RUN lines, in a scratch folder
with only what the stage copies), and its build is put where the runtime stage copies it and
served from where that stage's WEB_DIST points: a stage that misses a source file, a build
step, or a runtime stage that serves from another folder fails here."""
from __future__ import annotations

import os
import posixpath
import shlex
import shutil
import subprocess
from pathlib import Path

import aiohttp
import pytest

ROOT = Path(__file__).resolve().parents[1]


def dockerfile_stages(text: str) -> dict[str, list[tuple[str, str]]]:
    """{stage name: [(INSTRUCTION, arguments)]}, continuation lines joined, comments dropped."""
    stages: dict[str, list[tuple[str, str]]] = {}
    current: list[tuple[str, str]] | None = None
    logical = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not logical and (not line or line.startswith("#")):
            continue
        logical += " " + line.rstrip("\\").strip()
        if line.endswith("\\"):
            continue
        instr, _, args = logical.strip().partition(" ")
        logical = ""
        instr = instr.upper()
        if instr == "FROM":
            words = args.split()
            name = words[words.index("AS") + 1] if "AS" in words else str(len(stages))
            current = stages.setdefault(name, [])
        elif current is not None:
            current.append((instr, args.strip()))
    return stages


def env_of(stage: list[tuple[str, str]]) -> dict[str, str]:
    env: dict[str, str] = {}
    for instr, args in stage:
        if instr == "ENV":
            env.update(w.split("=", 1) for w in shlex.split(args) if "=" in w)
    return env


def run_stage(stage: list[tuple[str, str]], root: Path) -> None:
    """WORKDIR / COPY (from the build context) / RUN of one stage, under `root` as its `/`."""
    workdir = "/"
    for instr, args in stage:
        if instr == "WORKDIR":
            workdir = posixpath.join(workdir, args)
            (root / workdir.lstrip("/")).mkdir(parents=True, exist_ok=True)
        elif instr == "COPY":
            assert not args.startswith("--"), f"COPY {args}: not from the build context"
            *sources, dest = args.split()
            target = root / posixpath.join(workdir, dest).lstrip("/")
            for src in sources:
                path = ROOT / src
                if dest.endswith("/") or len(sources) > 1 or dest in (".", "./"):
                    into = target / path.name
                else:
                    into = target
                into.parent.mkdir(parents=True, exist_ok=True)
                if path.is_dir():
                    shutil.copytree(path, into, ignore=shutil.ignore_patterns("node_modules", "dist"))
                else:
                    shutil.copy2(path, into)
        elif instr == "RUN":
            subprocess.run(["sh", "-c", args], cwd=root / workdir.lstrip("/"), check=True,
                           timeout=600, env={**os.environ, "npm_config_prefer_offline": "true"})
        else:
            pytest.fail(f"the web stage's {instr} is not understood by this test")


async def test_the_images_web_stage_builds_the_app_the_runtime_stage_serves(tmp_path, server_procs):
    if shutil.which("npm") is None:
        pytest.skip("needs Node.js and npm (the image's web stage runs `npm ci`)")
    stages = dockerfile_stages((ROOT / "Dockerfile").read_text())
    assert "web" in stages, "the Dockerfile has no `web` stage building the app"
    web_root = tmp_path / "web-stage"
    run_stage(stages["web"], web_root)

    runtime = stages["runtime"]
    workdir = next(args for instr, args in reversed(runtime) if instr == "WORKDIR")
    copies = [args.split() for instr, args in runtime
              if instr == "COPY" and args.startswith("--from=web ")]
    assert copies, "the runtime stage copies nothing from the web stage"
    _, src, dest = copies[0]
    served = posixpath.normpath(posixpath.join(workdir, dest))
    assert env_of(runtime).get("WEB_DIST") == served, \
        f"the runtime serves WEB_DIST={env_of(runtime).get('WEB_DIST')}, the build is at {served}"
    image_root = tmp_path / "image"
    shutil.copytree(web_root / src.lstrip("/"), image_root / served.lstrip("/"))

    (srv,) = await server_procs(1, WEB_DIST=str(image_root / served.lstrip("/")))
    async with aiohttp.ClientSession() as http:
        async with http.get(srv.url + "/") as r:
            index = await r.text()
            assert r.status == 200 and '<html lang="ar" dir="rtl">' in index
        asset = index.split('src="', 1)[1].split('"', 1)[0]
        async with http.get(srv.url + asset) as r:
            assert r.status == 200 and "immutable" in r.headers["Cache-Control"]
            assert "socket.io" in await r.text()  # the app's bundle, with its Socket.IO client
