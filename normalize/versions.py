"""Several reports for one body and year: which one is *the* report (``documents.canonical``).

A body publishes one report a year, but a collection often holds more: the web page and
its PDF attachment, a first version and a corrected re-issue, a draft found on another
site.  Reports are grouped by :func:`nianbao.normalize.agencies.agency_key` and year; in each
group exactly one is canonical, the first by these rules:

1. a report that could be read (status ok or partial) before one that failed;
2. a corrected re-issue (更正版, 修订版, 勘误: in its title or in a file name it was found
   under) before the report it corrects;
3. the more complete one: status ok before partial, then more of the six parts, then more
   table cells;
4. the later one: the later printed date (``published``), then the later fetch
   (``fetched_at``, for reports downloaded by ``nianbao fetch``);
5. the smaller ``doc_id``, so that the choice never depends on row order.

A report without a body or year stands alone and is canonical.  Pure Python: the driver
calls it over the ``documents`` rows without pandas.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from nianbao.normalize.agencies import agency_key

CORRECTION = re.compile(r"更正|修订|勘误")
_STATUS = {"ok": 2, "partial": 1}


def _text(v: Any) -> str:
    return v if isinstance(v, str) else ""


def _missing(v: Any) -> bool:
    return v is None or (isinstance(v, float) and v != v) or type(v).__name__ in ("NAType", "NaTType")


def is_correction(row: Mapping[str, Any]) -> bool:
    """Whether the title or a file name the report was found under says it is a corrected issue."""
    names = [_text(row.get("title")), _text(row.get("source"))]
    sources = row.get("sources")
    if sources is not None and not isinstance(sources, str):
        names += [_text(s) for s in sources]
    # the file name only: a folder called 修订 does not make every report in it a correction
    return any(CORRECTION.search(n.replace("\\", "/").rsplit("/", 1)[-1]) for n in names if n)


def _num(v: Any) -> float:
    return 0.0 if _missing(v) else float(v)


def _when(v: Any) -> str:
    return "" if _missing(v) else str(v)


def rank(row: Mapping[str, Any]) -> tuple:
    """The sort key of a report in its group: smaller is better (rules 1-4; doc_id breaks ties)."""
    status = _text(row.get("status")) or "ok"
    return (
        status == "failed",
        not is_correction(row),
        -_STATUS.get(status, 0),
        -_num(row.get("n_sections")),
        -_num(row.get("n_cells")),
        _desc(_when(row.get("published"))),
        _desc(_when(row.get("fetched_at"))),
        _text(row.get("doc_id")),
    )


def _desc(s: str) -> tuple[int, tuple[int, ...]]:
    """Later first, missing last, for ISO date and time strings."""
    return (0, tuple(-ord(c) for c in s)) if s else (1, ())


def group_key(row: Mapping[str, Any]) -> tuple[str, int] | None:
    """(agency key, year), None for a report whose body or year is unknown."""
    key = agency_key(_text(row.get("agency")) or None)
    year = row.get("year")
    if not key or _missing(year):
        return None
    return key, int(year)


def groups(rows: Iterable[Mapping[str, Any]]) -> dict[tuple[str, int], list[Mapping[str, Any]]]:
    """Reports by (agency key, year), best first; one row per doc_id."""
    out: dict[tuple[str, int], dict[str, Mapping[str, Any]]] = defaultdict(dict)
    for row in rows:
        k = group_key(row)
        if k is not None:
            out[k].setdefault(_text(row.get("doc_id")), row)
    return {k: sorted(v.values(), key=rank) for k, v in out.items()}


def canonical_flags(rows: Iterable[Mapping[str, Any]]) -> dict[str, bool]:
    """doc_id -> whether the report is canonical (see the module docstring)."""
    rows = list(rows)
    flags = {_text(r.get("doc_id")): True for r in rows}
    for members in groups(rows).values():
        for other in members[1:]:
            flags[_text(other.get("doc_id"))] = False
    return flags


def why(best: Mapping[str, Any], other: Mapping[str, Any]) -> str:
    """In a few words, the rule that put ``best`` before ``other``."""
    a, b = rank(best), rank(other)
    reasons = (
        "it could be read",
        "it is the corrected issue",
        "it is complete",
        "it has more of the six parts",
        "it has more table cells",
        "it was published later",
        "it was fetched later",
        "same content order: smaller doc_id",
    )
    for i, reason in enumerate(reasons):
        if a[i] != b[i]:
            return reason
    return reasons[-1]
