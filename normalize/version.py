"""The extractor version stamped on every document and trusted by incremental runs.

A rerun skips inputs done with the same version, so the version must change whenever
the code that turns bytes into rows changes.  It is the package version plus a short
hash of the source and data files of ``extract`` and ``normalize``: editing a reader, a
label table or a rule gives a new version without anybody having to remember to bump it.
"""

from __future__ import annotations

import hashlib
from functools import cache
from importlib import metadata
from pathlib import Path

_PACKAGES = ("extract", "normalize")
_SUFFIXES = {".py", ".toml", ".txt"}


@cache
def code_hash() -> str:
    """sha256 (12 hex digits) over the sources and data of the extraction packages."""
    root = Path(__file__).resolve().parents[1]
    h = hashlib.sha256()
    for package in _PACKAGES:
        for path in sorted((root / package).rglob("*")):
            if path.suffix in _SUFFIXES and "__pycache__" not in path.parts:
                h.update(path.relative_to(root).as_posix().encode())
                h.update(path.read_bytes())
    return h.hexdigest()[:12]


def package_version() -> str:
    try:
        return metadata.version("nianbao")
    except metadata.PackageNotFoundError:  # running from a source tree that is not installed
        return "0+unknown"


EXTRACTOR_VERSION = f"{package_version()}+{code_hash()}"
