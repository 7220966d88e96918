"""The README's two commands are the whole set-up: `make test` brings its own browser."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from tests.conftest import ROOT

MAKE = shutil.which("make") or "make"


def make(target: str, path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Runs a target with only ``path`` on PATH: the machine as a newcomer might have it."""
    return subprocess.run(
        [MAKE, "-s", "-C", str(ROOT), target, *args],
        env={**os.environ, "PATH": str(path)},
        capture_output=True,
        text=True,
        timeout=60,
    )


MAKEFILE_TOOLS = ("cat", "sha1sum", "cut", "id")
"""What the Makefile itself runs before any target (the install stamp's hash)."""


def on_path(directory: Path, *tools: str) -> Path:
    for tool in (*MAKEFILE_TOOLS, *tools):
        found = shutil.which(tool)
        assert found, f"{tool} is needed to run this test"
        (directory / tool).symlink_to(found)
    return directory


def test_make_test_installs_the_browser_before_running_the_tests() -> None:
    planned = subprocess.run(
        [MAKE, "-n", "-C", str(ROOT), "test"], capture_output=True, text=True, timeout=60
    )
    assert planned.returncode == 0, planned.stderr
    lines = planned.stdout.splitlines()
    checks = [i for i, line in enumerate(lines) if "command -v chromium" in line]
    runs = [i for i, line in enumerate(lines) if "/pytest" in line]
    assert checks and runs and checks[0] < runs[0], planned.stdout


def test_without_chromium_or_a_way_to_install_it_make_test_says_what_to_do(
    tmp_path: Path,
) -> None:
    bare = make("browser", on_path(tmp_path))
    assert bare.returncode != 0
    assert "installing Debian's chromium" in bare.stdout
    assert "apt-get install chromium" in bare.stderr
    assert "Traceback" not in bare.stderr


def test_with_chromium_present_nothing_is_installed(tmp_path: Path) -> None:
    fake = tmp_path / "chromium"
    fake.write_text("#!/bin/sh\nexit 0\n")
    fake.chmod(0o755)
    present = make("browser", on_path(tmp_path))
    assert (present.returncode, present.stdout, present.stderr) == (0, "", "")
