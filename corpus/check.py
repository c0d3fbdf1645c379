"""``nianbao check DIR``: re-run every validation rule over a dataset written by ``extract``.

Nothing is parsed again: the rules read ``documents``, ``cells`` and ``sections``, so a
changed rule costs seconds, not a re-extraction.  The run replaces
``DIR/findings.parquet`` (per-report and cross-report findings) and writes
``DIR/units.parquet`` (one row per issuing body), each staged beside its final place
and swapped in only when complete.
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from rich.console import Console
from rich.table import Table

from corpus.store import SCHEMAS, dataset_path, replace_dir
from normalize.agencies import agency_key, classify
from normalize.crossdoc import crossdoc_findings, finding_row, findings_frame
from normalize.records import SEVERITIES, ReportMeta, StdCell
from normalize.validate import validate_report

FINDINGS_SCHEMA = pa.schema(
    [
        *SCHEMAS["findings"],
        pa.field("other_doc_id", pa.string()),
        pa.field("similarity", pa.float64()),
    ]
)
UNITS_SCHEMA = pa.schema(
    [
        (name, pa.string())
        for name in ("name", "key", "level", "kind", "province", "city", "county", "township")
    ]
    + [("reports", pa.int32())]
)
_RANK = {s: i for i, s in enumerate(SEVERITIES)}


@dataclass(slots=True)
class CheckSummary:
    """What a check found, for the printed summary and for tests."""

    documents: int = 0
    checked: int = 0
    findings: int = 0
    by_severity: Counter = field(default_factory=Counter)
    by_rule: Counter = field(default_factory=Counter)
    agencies: pd.DataFrame | None = None
    findings_path: Path | None = None
    units_path: Path | None = None


def read_dataset(out: Path, name: str) -> pd.DataFrame:
    """``DIR/<name>.parquet``, a single file or a folder of part files."""
    path = dataset_path(out, name)
    if not path.exists():
        raise FileNotFoundError(f"no {name} dataset in {out} (expected {path})")
    return pd.read_parquet(path)


def _iso(v: object) -> str | None:
    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return None
    return str(v)[:10]


def _opt_int(v: object) -> int | None:
    return None if v is None or pd.isna(v) else int(v)  # type: ignore[arg-type]


def per_report_findings(documents: pd.DataFrame, cells: pd.DataFrame, sections: pd.DataFrame) -> pd.DataFrame:
    """:func:`normalize.validate.validate_report` on every report that was read."""
    cells_by = {d: g for d, g in cells.groupby("doc_id")}
    sections_by = {d: g for d, g in sections.groupby("doc_id")}
    empty = cells.iloc[0:0]
    rows = []
    for doc in documents.itertuples(index=False):
        if doc.status == "failed":
            continue
        cg = cells_by.get(doc.doc_id, empty)
        std = [
            StdCell(t, r, c, None if pd.isna(v) else float(v), "" if raw is None else str(raw))
            for t, r, c, v, raw in cg[["table", "row", "col", "value", "raw"]].itertuples(index=False)
        ]
        sg = sections_by.get(doc.doc_id)
        secs = (
            {}
            if sg is None
            else {int(n): str(t or "") for n, t in zip(sg["section"], sg["text"], strict=True)}
        )
        agency = doc.agency if isinstance(doc.agency, str) else None
        meta = ReportMeta(agency, _opt_int(doc.year), str(doc.template or "unknown"), _iso(doc.published))
        kind = classify(agency).kind if agency else None
        rows += [finding_row(doc.doc_id, f) for f in validate_report(std, meta, secs, kind=kind)]
    return findings_frame(rows)


def units_frame(documents: pd.DataFrame) -> pd.DataFrame:
    """One row per agency name: its key, level, kind and divisions, and how many reports."""
    names = documents["agency"].dropna().astype(str)
    counts = names.value_counts()
    rows = [{**classify(n).as_row(), "reports": int(k)} for n, k in sorted(counts.items())]
    return pd.DataFrame(rows, columns=[f.name for f in UNITS_SCHEMA])


def _write(df: pd.DataFrame, out: Path, name: str, schema: pa.Schema) -> Path:
    """Stage ``df`` as a one-part dataset folder, then swap it into place."""
    staged = out / f".{name}-{uuid.uuid4().hex[:8]}.parquet"
    staged.mkdir(parents=True)
    table = pa.Table.from_pandas(df[[f.name for f in schema]], schema=schema, preserve_index=False)
    pq.write_table(table, staged / "part-00000.parquet")
    final = dataset_path(out, name)
    replace_dir(staged, final)
    return final


def agency_summary(documents: pd.DataFrame, findings: pd.DataFrame) -> pd.DataFrame:
    """Per agency: reports, errors, warnings, infos and the worst findings' messages."""
    docs = documents[["doc_id", "agency", "year"]].copy()
    docs["agency"] = docs["agency"].fillna("(agency unknown)")
    # one body under its several spellings: grouped by key, shown by its most used name
    docs["unit"] = [agency_key(a) or a for a in docs["agency"]]
    f = findings.merge(docs, on="doc_id", how="left")
    f["rank"] = f["severity"].map(_RANK)
    rows = []
    for unit, g in docs.groupby("unit"):
        agency = g["agency"].mode().iloc[0]
        fg = f[f["unit"] == unit].sort_values(["rank", "year", "rule"])
        sev = fg["severity"].value_counts()
        worst = [
            f"{int(y) if pd.notna(y) else '?'} {r}: {m}"
            for y, r, m in fg[fg["severity"] != "info"][["year", "rule", "message"]]
            .head(2)
            .itertuples(index=False)
        ]
        rows.append(
            {
                "agency": agency,
                "reports": len(g),
                "errors": int(sev.get("error", 0)),
                "warnings": int(sev.get("warning", 0)),
                "infos": int(sev.get("info", 0)),
                "worst": " | ".join(worst),
            }
        )
    cols = ["agency", "reports", "errors", "warnings", "infos", "worst"]
    out = pd.DataFrame(rows, columns=cols)
    return out.sort_values(
        ["errors", "warnings", "agency"], ascending=[False, False, True], ignore_index=True
    )


def print_summary(console: Console, summary: CheckSummary, limit: int = 40) -> None:
    agencies = summary.agencies if summary.agencies is not None else pd.DataFrame()
    table = Table(title=f"findings per agency ({len(agencies)} agencies, worst first)", show_lines=False)
    for name, style in (("agency", "bold"), ("reports", ""), ("errors", "red"), ("warnings", "yellow")):
        table.add_column(name, style=style, justify="right" if name != "agency" else "left")
    table.add_column("infos", justify="right", style="dim")
    table.add_column("worst findings", overflow="fold")
    for r in agencies.head(limit).itertuples(index=False):
        table.add_row(r.agency, str(r.reports), str(r.errors), str(r.warnings), str(r.infos), r.worst)
    console.print(table)
    if len(agencies) > limit:
        console.print(f"… {len(agencies) - limit} more agencies in {summary.findings_path}")
    rules = ", ".join(f"{k} {v}" for k, v in summary.by_rule.most_common())
    s = summary.by_severity
    console.print(
        f"[bold]{summary.checked}[/] of {summary.documents} reports checked: [red]{s['error']} errors[/], "
        f"[yellow]{s['warning']} warnings[/], {s['info']} infos -> {summary.findings_path}"
    )
    if rules:
        console.print(f"by rule: {rules}")


def run_check(dataset_dir: Path, console: Console | None = None) -> CheckSummary:
    """Re-run all rules over ``dataset_dir``; write findings and units; print the summary."""
    dataset_dir = Path(dataset_dir)
    documents = read_dataset(dataset_dir, "documents")
    cells = read_dataset(dataset_dir, "cells")
    sections = read_dataset(dataset_dir, "sections")

    per_report = per_report_findings(documents, cells, sections)
    cross = crossdoc_findings(documents, cells, sections)
    findings = pd.concat([per_report, cross], ignore_index=True) if len(cross) else per_report
    findings = findings_frame(findings.to_dict("records"))

    summary = CheckSummary(
        documents=len(documents),
        checked=int((documents["status"] != "failed").sum()),
        findings=len(findings),
        by_severity=Counter(findings["severity"].astype(str)),
        by_rule=Counter(findings["rule"].astype(str)),
        agencies=agency_summary(documents, findings),
    )
    summary.findings_path = _write(findings, dataset_dir, "findings", FINDINGS_SCHEMA)
    summary.units_path = _write(units_frame(documents), dataset_dir, "units", UNITS_SCHEMA)
    if console is not None:
        print_summary(console, summary)
    return summary
