"""The declared layers hold: `lint-imports` with the contracts of pyproject.toml
([tool.importlinter]): runtime at the bottom, the domains in their order, no import cycle in
any package. A new upward import fails here with the contract's name."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_imports_follow_the_declared_layers_and_no_package_has_a_cycle():
    lint = Path(sys.executable).with_name("lint-imports")
    out = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120)
    assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-2000:]
    assert "3 kept, 0 broken" in out.stdout
