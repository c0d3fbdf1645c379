"""The archive ``nianbao fetch`` writes: downloaded bytes by content, and where they came from.

Layout of ``ARCHIVE/``::

    objects/ab/ab12…ef.pdf     the bytes, named by their sha256 (the extension is a hint)
    sources.parquet            one row per fetch: url, final_url, fetched_at, status,
                               content_type, sha256, referrer (the page that linked it), …

The file name of an object is the ``doc_id`` that ``extract`` gives it, so a report read
from the archive is joined back to its url and fetch time by ``doc_id`` alone
(:func:`origins`); ``sources.parquet`` itself is passed over by ``extract`` as a
companion file.  The same bytes fetched from two urls are one object with two rows.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterable
from functools import cache
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

OBJECTS = "objects"
SOURCES = "sources.parquet"
_OBJECT = re.compile(r"(?:^|/)objects/[0-9a-f]{2}/(?P<sha>[0-9a-f]{64})(?:\.[A-Za-z0-9]{1,8})?$")

SOURCES_SCHEMA = pa.schema(
    [
        ("url", pa.string()),  # as listed, or as linked from a page
        ("final_url", pa.string()),  # after redirects
        ("fetched_at", pa.timestamp("us", tz="UTC")),
        ("status", pa.int32()),  # HTTP status; null when no answer came
        ("content_type", pa.string()),
        ("sha256", pa.string()),  # null when nothing was stored (an error status, no answer)
        ("size", pa.int64()),
        ("referrer", pa.string()),  # the page whose link led here; null for a listed url
        ("path", pa.string()),  # the object, relative to the archive
        ("error", pa.string()),  # why nothing was stored, in one line
        ("changed", pa.bool_()),  # different bytes than the last fetch of this url (source.changed)
        ("previous_sha256", pa.string()),
        ("title", pa.string()),  # the listing's title or the link text, when known
    ]
)


def object_path(sha256: str, suffix: str = "") -> str:
    """Where bytes with this hash live, relative to the archive."""
    return f"{OBJECTS}/{sha256[:2]}/{sha256}{suffix}"


def read_sources(archive: Path) -> pa.Table:
    path = Path(archive) / SOURCES
    if not path.exists():
        return SOURCES_SCHEMA.empty_table()
    table = pq.read_table(path)
    cols = [
        table.column(f.name).cast(f.type) if f.name in table.column_names else pa.nulls(len(table), f.type)
        for f in SOURCES_SCHEMA
    ]
    return pa.Table.from_arrays(cols, schema=SOURCES_SCHEMA)


def write_sources(archive: Path, table: pa.Table) -> None:
    """Replace ``sources.parquet`` atomically (a kill leaves the old or the new one)."""
    archive = Path(archive)
    tmp = archive / f".{SOURCES}.{uuid.uuid4().hex[:8]}.tmp"
    pq.write_table(table.cast(SOURCES_SCHEMA), tmp, compression="zstd")
    os.replace(tmp, archive / SOURCES)


def archive_of(source: str) -> tuple[Path, str] | None:
    """(archive folder, sha256) for a path inside an archive's ``objects/``, else None."""
    m = _OBJECT.search(source.replace("\\", "/"))
    if not m:
        return None
    return Path(source).parents[2], m.group("sha")


@cache
def _first_fetches(archive: Path, stamp: float) -> dict[str, tuple[str, str | None, object]]:
    """sha256 -> (url, referrer, fetched_at) of the first fetch that stored those bytes."""
    rows = read_sources(archive).to_pylist()
    out: dict[str, tuple[str, str | None, object]] = {}
    for r in sorted((r for r in rows if r["sha256"]), key=lambda r: r["fetched_at"]):
        out.setdefault(r["sha256"], (r["final_url"] or r["url"], r["referrer"], r["fetched_at"]))
    return out


def origins(sources: Iterable[str]) -> dict[str, tuple[str, str | None, object]]:
    """sha256 -> (url, referrer, fetched_at) for every archive object among ``sources``."""
    out = {}
    for source in sources:
        found = archive_of(source)
        if found is None:
            continue
        archive, sha = found
        table = archive / SOURCES
        if not table.exists():
            continue
        first = _first_fetches(archive, table.stat().st_mtime)
        if sha in first:
            out[sha] = first[sha]
    return out
