"""A headless Chromium for the page tests: Debian's, installed with apt-get when missing.

The test command is the whole set-up (``pip install -e ".[dev]" && python -m pytest``),
so the first browser test on a fresh Debian machine installs ``chromium`` (and a CJK
font, so screenshots show Chinese) as root through apt-get.  Playwright, a dev
dependency, drives it.  Only when there is no Chromium and no way to install one does
the test skip, saying why.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from functools import cache

PACKAGES = ("chromium", "fonts-wqy-microhei")
NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def _which() -> str | None:
    env = os.environ.get("NIANBAO_CHROMIUM")
    if env and os.access(env, os.X_OK):
        return env
    for name in NAMES:
        path = shutil.which(name)
        if path:
            return path
    return None


def _apt(*args: str, timeout: int = 900) -> subprocess.CompletedProcess:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    return subprocess.run(
        ["apt-get", *args], capture_output=True, text=True, timeout=timeout, env=env, check=False
    )


@cache
def chromium() -> tuple[str | None, str]:
    """(path to a Chromium, '') or (None, why there is none)."""
    path = _which()
    if path:
        return path, ""
    if not shutil.which("apt-get"):
        return None, "Chromium is not installed and apt-get is not available to install it"
    if os.geteuid() != 0:
        return None, "Chromium is not installed and installing it with apt-get needs root"
    install = ("install", "-y", "-q", "--no-install-recommends", *PACKAGES)
    done = _apt(*install)
    if done.returncode != 0:  # the package lists may be missing or stale
        _apt("update", "-q")
        done = _apt(*install)
    path = _which()
    if path:
        return path, ""
    tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
    return None, f"Chromium is not installed and 'apt-get install chromium' failed: {tail[0]}"
