"""Reviewing findings: decisions recorded against stable finding ids.

An oversight team goes through the findings, confirms the real problems and dismisses
the false alarms.  Each decision is a row of ``DIR/reviews.parquet``::

    review_id  finding_id  decision  note  by  at  + what the finding said then

``decision`` is ``confirm``, ``dismiss`` or ``reopen``; rows are only ever added (the
file is replaced atomically, old rows kept), so the table is the full history.
``extract`` and ``check`` never touch it, and finding ids do not depend on the run or
the extractor version (``nianbao.corpus.store.finding_id``), so decisions survive both.

A finding's status is that of its last decision:

``open``       found now; no decision yet, or reopened
``confirmed``  found now; confirmed
``dismissed``  found now; dismissed
``resolved``   decided on before, no longer found (the report was corrected or replaced)

A decision never silently replaces another: confirming a dismissed finding asks for a
``reopen`` first, and a spreadsheet imported after someone else decided on one of its
findings (since it was exported) is refused with the finding named.
"""

from __future__ import annotations

import getpass
import os
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from rich.console import Console
from rich.table import Table

from nianbao.corpus.store import dataset_path

REVIEWS = "reviews.parquet"
DECISIONS = ("confirm", "dismiss", "reopen")
STATUS_OF = {"confirm": "confirmed", "dismiss": "dismissed", "reopen": "open"}
STATUSES = ("open", "confirmed", "dismissed", "resolved")
# Spellings a spreadsheet may use for a decision.
_DECISION_WORDS = {
    **{d: d for d in DECISIONS},
    "confirmed": "confirm",
    "dismissed": "dismiss",
    "open": "reopen",
    "reopened": "reopen",
}
MIN_PREFIX = 6  # shortest finding id prefix accepted on the command line

REVIEWS_SCHEMA = pa.schema(
    [
        ("review_id", pa.string()),
        ("finding_id", pa.string()),
        ("decision", pa.string()),
        ("note", pa.string()),
        ("by", pa.string()),
        ("at", pa.timestamp("us", tz="UTC")),
        ("doc_id", pa.string()),
        ("rule", pa.string()),
        ("severity", pa.string()),
        ("message", pa.string()),
        ("agency", pa.string()),
        ("year", pa.int32()),
        ("source", pa.string()),
    ]
)
# The columns of a finding shown in listings and exports, besides its status.
FINDING_COLUMNS = [
    "finding_id",
    "severity",
    "rule",
    "agency",
    "year",
    "table",
    "row",
    "col",
    "section",
    "message",
    "expected",
    "actual",
    "source",
    "doc_id",
]
SHEET_COLUMNS = ["finding_id", "status", "decision", "note", "by", *FINDING_COLUMNS[1:], "base"]
_EDITABLE = ("decision", "note", "by")


class ReviewError(Exception):
    """A decision that cannot be recorded (unknown id, conflict, bad spreadsheet)."""


@dataclass(slots=True)
class Recorded:
    """What a batch of decisions did."""

    recorded: list[str]  # finding ids a decision was recorded for
    unchanged: list[str]  # already in that state: nothing recorded


def default_reviewer() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def read_reviews(out: Path) -> pd.DataFrame:
    """Every decision recorded in ``out``, oldest first."""
    path = Path(out) / REVIEWS
    table = pq.read_table(path) if path.exists() else REVIEWS_SCHEMA.empty_table()
    return table.to_pandas().sort_values("at", kind="stable", ignore_index=True)


def _append(out: Path, rows: list[dict]) -> None:
    old = pq.read_table(Path(out) / REVIEWS) if (Path(out) / REVIEWS).exists() else None
    new = pa.Table.from_pylist(rows, schema=REVIEWS_SCHEMA)
    table = new if old is None else pa.concat_tables([old.cast(REVIEWS_SCHEMA), new])
    tmp = Path(out) / f".{REVIEWS}.{uuid.uuid4().hex[:8]}.tmp"
    pq.write_table(table, tmp, compression="zstd")
    os.replace(tmp, Path(out) / REVIEWS)


def _findings(out: Path) -> pd.DataFrame:
    """The findings found now, with the report's agency, year and source."""
    if not dataset_path(out, "findings").exists():
        raise ReviewError(f"no findings dataset in {out}; run 'nianbao extract ... --out {out}' first")
    f = pd.read_parquet(dataset_path(out, "findings"))
    if "finding_id" not in f.columns or f["finding_id"].isna().any():
        raise ReviewError(f"findings in {out} have no finding_id; run 'nianbao check {out}' first")
    d = pd.read_parquet(dataset_path(out, "documents"), columns=["doc_id", "agency", "year", "source"])
    f = f.drop(columns=[c for c in ("agency", "year", "source") if c in f.columns])
    f = f.merge(d.drop_duplicates("doc_id"), on="doc_id", how="left")
    f["year"] = f["year"].astype("Int32")
    return f.drop_duplicates("finding_id", ignore_index=True)


def status_frame(out: Path) -> pd.DataFrame:
    """Every finding found now, and every finding decided on before: status and last decision."""
    out = Path(out)
    found = _findings(out)
    reviews = read_reviews(out)
    last = reviews.drop_duplicates("finding_id", keep="last").set_index("finding_id")
    found["status"] = [
        STATUS_OF[last.at[i, "decision"]] if i in last.index else "open" for i in found.finding_id
    ]
    gone = last[~last.index.isin(found["finding_id"])].reset_index()
    resolved = pd.DataFrame({c: gone[c] if c in gone.columns else None for c in FINDING_COLUMNS})
    resolved["status"] = "resolved"
    frame = pd.concat([found, resolved], ignore_index=True) if len(resolved) else found
    for col in ("decision", "note", "by", "at", "review_id"):
        frame[col] = frame["finding_id"].map(last[col]) if len(last) else None
    frame["year"] = frame["year"].astype("Int32")
    return frame


def list_findings(
    out: Path,
    *,
    status: str | None = "open",
    rule: str | None = None,
    severity: str | None = None,
    agency: str | None = None,
    year: int | None = None,
) -> pd.DataFrame:
    """Findings in ``status`` (None: all), filtered; worst first, then by body and year.

    ``rule`` matches a rule id or its family (``t3`` matches ``t3.balance``);
    ``agency`` is a part of the body's name."""
    if status is not None and status not in STATUSES:
        raise ReviewError(f"unknown status {status!r}; one of {', '.join(STATUSES)}")
    f = status_frame(out)
    keep = pd.Series(True, index=f.index)
    if status is not None:
        keep &= f["status"] == status
    if rule:
        keep &= (f["rule"] == rule) | f["rule"].fillna("").str.startswith(rule + ".")
    if severity:
        keep &= f["severity"] == severity
    if agency:
        keep &= f["agency"].fillna("").str.contains(agency, regex=False)
    if year is not None:
        keep &= f["year"] == year
    rank = {"error": 0, "warning": 1, "info": 2}
    f = f[keep].assign(_rank=lambda x: x["severity"].map(rank).fillna(3))
    return f.sort_values(["_rank", "agency", "year", "rule", "finding_id"], ignore_index=True).drop(
        columns="_rank"
    )


def _resolve_ids(ids: list[str], known: pd.Index) -> list[str]:
    """Full ids for ``ids`` (each a whole id or an unambiguous prefix)."""
    full = []
    values = list(known)
    for given in ids:
        given = given.strip().lower()
        if given in known:
            full.append(given)
            continue
        matches = [v for v in values if v.startswith(given)] if len(given) >= MIN_PREFIX else []
        if len(matches) == 1:
            full.append(matches[0])
        elif len(matches) > 1:
            raise ReviewError(f"finding id {given!r} is ambiguous ({len(matches)} findings start so)")
        else:
            raise ReviewError(f"unknown finding id {given!r}")
    return full


def _row(finding: pd.Series, decision: str, note: str | None, by: str, at: datetime) -> dict:
    year = finding.get("year")
    return {
        "review_id": uuid.uuid4().hex[:16],
        "finding_id": finding["finding_id"],
        "decision": decision,
        "note": note or None,
        "by": by,
        "at": at,
        "doc_id": finding.get("doc_id"),
        "rule": finding.get("rule"),
        "severity": finding.get("severity"),
        "message": finding.get("message"),
        "agency": None if pd.isna(finding.get("agency")) else finding.get("agency"),
        "year": None if year is None or pd.isna(year) else int(year),
        "source": None if pd.isna(finding.get("source")) else finding.get("source"),
    }


def _who(row: pd.Series) -> str:
    at = row["at"]
    when = at.strftime("%Y-%m-%d %H:%M") if isinstance(at, pd.Timestamp | datetime) else "?"
    return f"by {row['by']} at {when} UTC"


def decide(
    out: Path, ids: list[str], decision: str, *, note: str | None = None, by: str | None = None
) -> Recorded:
    """Record ``decision`` for the findings ``ids`` (whole ids or unambiguous prefixes).

    All or nothing: an unknown id, a finding no longer found, or one decided otherwise
    (confirm on a dismissed one: reopen it first) raises :class:`ReviewError` and
    nothing is recorded.  A finding already in the asked state is left as it is.
    """
    if decision not in DECISIONS:
        raise ReviewError(f"unknown decision {decision!r}; one of {', '.join(DECISIONS)}")
    if not ids:
        raise ReviewError(f"{decision}: give one or more finding ids")
    out = Path(out)
    frame = status_frame(out).set_index("finding_id", drop=False)
    full = _resolve_ids(ids, frame.index)
    at = datetime.now(UTC)
    by = by or default_reviewer()
    rows, unchanged = [], []
    for fid in dict.fromkeys(full):
        f = frame.loc[fid]
        if f["status"] == "resolved":
            raise ReviewError(
                f"finding {fid} is resolved (no longer found since the last run): nothing to {decision}"
            )
        if f["status"] == STATUS_OF[decision]:
            unchanged.append(fid)
            continue
        if decision != "reopen" and f["status"] != "open":
            raise ReviewError(f"finding {fid} is already {f['status']} ({_who(f)}): reopen it first")
        rows.append(_row(f, decision, note, by, at))
    if rows:
        _append(out, rows)
    return Recorded([r["finding_id"] for r in rows], unchanged)


# -- spreadsheet round trip ------------------------------------------------------


def export_sheet(out: Path, path: Path, *, status: str | None = None, **filters: object) -> int:
    """Write the findings (all, or one status) to an .xlsx a team can review in.

    Columns ``decision``, ``note`` and ``by`` are for the reviewer; ``base`` records the
    last decision known at export, so an import can tell a change made in the sheet from
    one made by someone else in the meantime.  Returns the rows written.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    frame = list_findings(out, status=status, **filters)  # type: ignore[arg-type]
    wb = Workbook()
    ws = wb.active
    ws.title = "findings"
    ws.append(SHEET_COLUMNS)
    for r in frame.itertuples(index=False):
        rec = r._asdict()
        rec["decision"] = "" if rec.get("decision") is None or pd.isna(rec["decision"]) else rec["decision"]
        rec["base"] = rec.get("review_id")
        ws.append([_cell(rec.get(c)) for c in SHEET_COLUMNS])
    bold, editable = Font(bold=True), PatternFill("solid", fgColor="FFF2CC")
    for i, name in enumerate(SHEET_COLUMNS, 1):
        cell = ws.cell(row=1, column=i)
        cell.font = bold
        if name in _EDITABLE:
            cell.fill = editable
        width = {"message": 80, "source": 40, "note": 40, "agency": 24}.get(name, 14)
        ws.column_dimensions[cell.column_letter].width = width
    ws.freeze_panes = "B2"
    ws.auto_filter.ref = ws.dimensions
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    wb.save(tmp)
    os.replace(tmp, path)
    return len(frame)


def _cell(v: object) -> object:
    if v is None or (not isinstance(v, str) and pd.isna(v)):  # type: ignore[arg-type]
        return None
    if hasattr(v, "item"):  # numpy scalars
        return v.item()  # type: ignore[union-attr]
    return v


def _text(v: object) -> str:
    return "" if v is None else str(v).strip()


def read_sheet(path: Path) -> list[dict[str, str]]:
    """The rows of a sheet written by :func:`export_sheet` (edited), as text."""
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except FileNotFoundError:
        raise ReviewError(f"no such file: {path}") from None
    except Exception as exc:  # openpyxl raises several kinds for a file that is not xlsx
        raise ReviewError(f"{path} is not a readable .xlsx file ({type(exc).__name__})") from None
    ws = wb["findings"] if "findings" in wb.sheetnames else wb.worksheets[0]
    rows = ws.iter_rows(values_only=True)
    header = [_text(h).lower() for h in next(rows, ())]
    missing = [c for c in ("finding_id", "decision") if c not in header]
    if missing:
        raise ReviewError(f"{path}: no column {', '.join(missing)} in the first row")
    out = []
    for values in rows:
        rec = {h: _text(v) for h, v in zip(header, values, strict=False) if h}
        if any(rec.values()):
            out.append(rec)
    wb.close()
    return out


def import_sheet(out: Path, path: Path, *, by: str | None = None) -> Recorded:
    """Record the decisions filled in a sheet from :func:`export_sheet`; all or nothing.

    A row whose decision is empty, or already the finding's state, records nothing.
    Refused, naming the first offending row: an unknown id, an unknown decision, one
    finding twice with different decisions, a finding no longer found, and a decision
    on a finding someone else decided on after the sheet was exported (its ``base``
    is no longer the last decision) when it differs from theirs.
    """
    out = Path(out)
    frame = status_frame(out).set_index("finding_id", drop=False)
    at = datetime.now(UTC)
    default_by = by or default_reviewer()
    rows, unchanged = [], []
    seen: dict[str, str] = {}
    for line, rec in enumerate(read_sheet(path), 2):
        word = rec.get("decision", "").lower()
        if not word:
            continue
        where = f"{Path(path).name} row {line}"
        decision = _DECISION_WORDS.get(word)
        if decision is None:
            raise ReviewError(f"{where}: unknown decision {word!r}; one of {', '.join(DECISIONS)}")
        fid = rec.get("finding_id", "").lower()
        if fid not in frame.index:
            raise ReviewError(f"{where}: unknown finding id {fid!r}")
        if seen.setdefault(fid, decision) != decision:
            raise ReviewError(f"{where}: finding {fid} appears twice with different decisions")
        f = frame.loc[fid]
        current = f["review_id"] if isinstance(f["review_id"], str) else ""
        same = f["status"] == STATUS_OF[decision]
        if f["status"] == "resolved":
            if f["decision"] == decision:
                unchanged.append(fid)
                continue
            raise ReviewError(f"{where}: finding {fid} is resolved (no longer found): cannot {decision} it")
        if rec.get("base", "") != current and not same:
            raise ReviewError(
                f"{where}: finding {fid} was {f['status']} {_who(f)} after this sheet was exported; "
                f"the sheet says {decision} (export again to see their decision)"
            )
        note = rec.get("note") or None
        old_note = f["note"] if isinstance(f["note"], str) else None
        if same and (note is None or note == old_note):
            unchanged.append(fid)
            continue
        rows.append(_row(f, decision, note, rec.get("by") or default_by, at))
    if rows:
        _append(out, rows)
    return Recorded([r["finding_id"] for r in rows], unchanged)


def print_findings(console: Console, frame: pd.DataFrame, *, limit: int = 50, status: str = "open") -> None:
    """Findings as a table (id, severity, rule, body, year, message) and how many there are."""
    table = Table(show_lines=False)
    for name in ("finding_id", "severity", "rule", "agency", "year", "message"):
        table.add_column(name, overflow="fold", no_wrap=name == "finding_id")
    if status != "open":
        table.add_column("status")
    for r in frame.head(limit).itertuples(index=False):
        cells = [
            r.finding_id,
            str(r.severity),
            str(r.rule),
            "" if pd.isna(r.agency) else str(r.agency),
            "" if pd.isna(r.year) else str(r.year),
            str(r.message),
        ]
        table.add_row(*cells, *([r.status] if status != "open" else []))
    console.print(table)
    more = f" (first {limit} shown)" if len(frame) > limit else ""
    console.print(f"{len(frame)} {'' if status == 'all' else status + ' '}findings{more}")
