"""``documents.canonical``, ``url`` and ``fetched_at``: facts about a report that depend on others.

Which report of a body and year is canonical depends on every report of that body and
year (:mod:`nianbao.normalize.versions`); where a report was downloaded is in the ``sources``
table of the fetch archive it was read from (:mod:`nianbao.corpus.archive`).  Both are set at the
end of every run that changed the dataset, and by ``check``, when the ``documents``
files are brought up to date (:meth:`nianbao.corpus.manifest.Manifest.refresh_documents`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pyarrow as pa

from nianbao.corpus.archive import origins
from nianbao.normalize.versions import canonical_flags

Versions = dict[str, tuple[bool, str | None, object]]  # doc_id -> (canonical, url, fetched_at)

COLUMNS = ("doc_id", "source", "agency", "year", "status", "published", "n_cells", "n_sections", "title")


def with_origins(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``rows`` (documents as dicts, ``sources`` lists included) with ``url`` and ``fetched_at``
    from the archive their bytes were read from, in place."""
    paths = [s for r in rows for s in (r.get("sources") or [r.get("source") or ""])]
    found = origins(paths)
    for r in rows:
        o = found.get(str(r.get("doc_id")))
        if o is not None:
            r["url"], _referrer, r["fetched_at"] = o
    return rows


def versions(rows: Iterable[Mapping[str, Any]]) -> Versions:
    """doc_id -> (canonical, url, fetched_at) over every document of the dataset."""
    rows = with_origins([dict(r) for r in rows])
    flags = canonical_flags(rows)
    return {str(r["doc_id"]): (flags[str(r["doc_id"])], r.get("url"), r.get("fetched_at")) for r in rows}


def with_versions(table: pa.Table, found: Versions) -> pa.Table:
    """``documents`` rows with ``canonical``, ``url`` and ``fetched_at`` as ``found`` says."""
    ids = table.column("doc_id").to_pylist()
    rows = [found.get(d) for d in ids]
    canonical = pa.array([True if r is None else r[0] for r in rows], pa.bool_())
    old_url = table.column("url").to_pylist()
    old_at = table.column("fetched_at").to_pylist()
    url = pa.array([u if r is None or r[1] is None else r[1] for r, u in zip(rows, old_url, strict=True)])
    at = [a if r is None or r[2] is None else r[2] for r, a in zip(rows, old_at, strict=True)]
    for name, arr in (
        ("canonical", canonical),
        ("url", url.cast(pa.string())),
        ("fetched_at", pa.array(at, table.schema.field("fetched_at").type)),
    ):
        table = table.set_column(table.schema.get_field_index(name), name, arr)
    return table
