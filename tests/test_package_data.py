"""An installed (not editable) Sawt carries every data file its code reads: the Docker image
and `pip install .` run from the wheel, not from this checkout."""
from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("server", "rooms", "media", "handlers")


@pytest.mark.timeout(300)
def test_the_wheel_holds_every_data_file_of_the_packages(tmp_path):
    # before: moderation's word lists (.tsv) and model (.npz) and recommend's vectors were
    # left out, so an installed server moderated nothing it could not load
    tracked = subprocess.run(["git", "ls-files", *PACKAGES], cwd=ROOT, capture_output=True,
                             text=True, check=True).stdout.split()
    data = {p for p in tracked  # what the code reads; a folder's README is for people
            if not p.endswith((".py", ".md")) and "/__pycache__/" not in p}
    assert any(p.endswith(".tsv") for p in data)  # the check sees what it is about
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps",
                    "--no-build-isolation", str(ROOT), "-w", str(tmp_path)],
                   check=True, capture_output=True, timeout=240)
    (wheel,) = tmp_path.glob("*.whl")
    inside = set(zipfile.ZipFile(wheel).namelist())
    assert sorted(data - inside) == []
