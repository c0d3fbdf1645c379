"""``nianbao check DIR``: re-run every validation rule over a dataset written by ``extract``.

Nothing is parsed again: the rules read ``documents``, ``cells`` and ``sections``, so a
changed rule costs seconds, not a re-extraction.

``findings`` is one dataset for both kinds of rule.  A report's own findings live in
the part files beside its other rows (``scope = 'report'``); the findings of the rules
across reports (cross-year, copies, all-zero; ``scope = 'corpus'``) live in one file
per report year, ``findings.parquet/report_year=Y/corpus.parquet``.  ``extract``
rewrites the corpus files at the end of every run that changed the dataset; ``check``
rewrites the report findings part by part (each file replaced atomically, through the
manifest) and then the corpus files, and brings ``documents.n_findings`` up to date.
Every finding has a ``finding_id`` (``nianbao.corpus.store.finding_id``) that stays the same
from run to run, which is what ``nianbao review`` records decisions against.

A folder without a manifest (written by other means) gets its ``findings`` replaced
wholesale.  ``DIR/units.parquet`` (one row per issuing body) is written either way.
"""

from __future__ import annotations

import os
import sqlite3
import uuid
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from rich.console import Console
from rich.table import Table

from nianbao.corpus import incremental as inc
from nianbao.corpus.lock import output_lock
from nianbao.corpus.manifest import CORPUS_STATE, MANIFEST, Manifest
from nianbao.corpus.store import (
    ALL_SCHEMAS,
    CORPUS_FINDINGS,
    PARTITION,
    SCHEMAS,
    UNKNOWN_YEAR,
    dataset_path,
    replace_dir,
    with_finding_ids,
)
from nianbao.corpus.versions import with_origins
from nianbao.normalize.agencies import Unit, agency_key, classify, kind_of, needs_text, place_by_text
from nianbao.normalize.crossdoc import crossdoc_findings, finding_row, findings_frame, narratives
from nianbao.normalize.records import SEVERITIES, ReportMeta, StdCell
from nianbao.normalize.validate import validate_report

FINDINGS_SCHEMA = SCHEMAS["findings"]

UNITS_SCHEMA = pa.schema(
    [
        (name, pa.string())
        for name in (
            "name",
            "key",
            "level",
            "kind",
            "province",
            "city",
            "county",
            "township",
            "division",
            "township_code",
            "ambiguity",
            "placed_by",
        )
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
    findings_frame: pd.DataFrame | None = None


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


def with_ids(df: pd.DataFrame, scope: str) -> pd.DataFrame:
    """Findings with ``finding_id`` and ``scope``, in the columns of the findings dataset."""
    rows = with_finding_ids(df.to_dict("records"), scope)
    out = pd.DataFrame(rows, columns=FINDINGS_SCHEMA.names)
    out["section"] = out["section"].astype("Int8")
    out["similarity"] = out["similarity"].astype("float64")
    return out


def _arrow(df: pd.DataFrame) -> pa.Table:
    return pa.Table.from_pandas(df[FINDINGS_SCHEMA.names], schema=FINDINGS_SCHEMA, preserve_index=False)


def per_report_findings(documents: pd.DataFrame, cells: pd.DataFrame, sections: pd.DataFrame) -> pd.DataFrame:
    """:func:`nianbao.normalize.validate.validate_report` on every report that was read (with ids)."""
    cells_by = {d: g for d, g in cells.groupby("doc_id")}
    sections_by = {d: g for d, g in sections.groupby("doc_id")}
    empty = cells.iloc[0:0]
    rows = []
    for doc in documents.itertuples(index=False):
        if doc.status == "failed":
            continue
        cg = cells_by.get(doc.doc_id, empty)
        if "prov" not in cg:  # a cells frame from before provenance was kept
            cg = cg.assign(prov="")
        std = [  # provenance too: an OCR read's confidence is checked again (ocr.low_confidence)
            StdCell(t, r, c, None if pd.isna(v) else float(v), "" if raw is None else str(raw), str(p or ""))
            for t, r, c, v, raw, p in cg[["table", "row", "col", "value", "raw", "prov"]].itertuples(
                index=False
            )
        ]
        sg = sections_by.get(doc.doc_id)
        secs = (
            {}
            if sg is None
            else {int(n): str(t or "") for n, t in zip(sg["section"], sg["text"], strict=True)}
        )
        agency = doc.agency if isinstance(doc.agency, str) else None
        meta = ReportMeta(agency, _opt_int(doc.year), str(doc.template or "unknown"), _iso(doc.published))
        kind = kind_of(agency)
        rows += [finding_row(doc.doc_id, f) for f in validate_report(std, meta, secs, kind=kind)]
    return with_ids(findings_frame(rows), "report")


def corpus_findings(documents: pd.DataFrame, cells: pd.DataFrame, sections: pd.DataFrame) -> pd.DataFrame:
    """The rules across reports (:mod:`nianbao.normalize.crossdoc`), with ids."""
    return with_ids(crossdoc_findings(documents, cells, sections), "corpus")


def _read(out: Path, name: str, columns: list[str]) -> pd.DataFrame:
    df = read_dataset(out, name)  # a folder may hold files older than some columns
    return df[[c for c in columns if c in df.columns]]


def update_corpus_findings(out: Path, *, full: bool = False) -> pd.DataFrame:
    """Bring the findings across reports up to date and write them, one file per report year.

    Incremental where the dataset has a manifest and :mod:`nianbao.corpus.incremental` a state
    of the last computation: only the bodies whose reports changed are checked again
    (and ``copy.same_year`` for the changed reports).  ``full`` (``nianbao check``: the
    rules may have changed) recomputes everything.  Each year's file is written beside
    its final place and renamed into it; years left without such findings lose their
    file.  Returns every finding across reports.
    """
    documents = _read(out, "documents", ["doc_id", "status", "agency", "year", "template", "published"])
    documents = documents.drop_duplicates("doc_id")
    documents = with_version_columns(out, documents)
    if not (out / MANIFEST).exists():
        cells = _read(out, "cells", ["doc_id", "table", "row", "col", "value"])
        sections = _read(out, "sections", ["doc_id", "section", "text"])
        found = corpus_findings(documents, cells, sections)
        _write_years(out, _by_year(found, documents), replace_all=True)
        return found
    now = inc.snapshot(documents, inc.fingerprints(documents, inc.written_at(out)))
    state = inc.State(out)
    try:
        before = state.docs() if state.valid() and not full else None
        if before is None:
            return _full_corpus_findings(out, documents, now, state)
        return _incremental_corpus_findings(out, documents, now, before, state)
    finally:
        state.close()


def _full_corpus_findings(out: Path, documents: pd.DataFrame, now: dict, state: inc.State) -> pd.DataFrame:
    cells = _read(out, "cells", ["doc_id", "table", "row", "col", "value"])
    sections = _read(out, "sections", ["doc_id", "section", "text"])
    found = corpus_findings(documents, cells, sections)
    _write_years(out, _by_year(found, documents), replace_all=True)
    bodies = {k for k, _y, _fp in now.values() if k}
    work = inc.Work("full", len(documents), len(now), len(bodies), len(documents))
    state.save(now, inc.band_index(documents, narratives(sections)), [], work, full=True)
    return found


def _incremental_corpus_findings(
    out: Path, documents: pd.DataFrame, now: dict, before: dict, state: inc.State
) -> pd.DataFrame:
    changed = inc.changed_since(now, before)
    if not changed:
        state.save({}, {}, [], inc.Work("unchanged", len(documents)), full=False)
        return _all_corpus_findings(out)
    keys, body_docs = inc.touched(changed, now, before)
    work = inc.Work("incremental", len(documents), len(changed), len(keys), len(body_docs))
    sub = documents[documents["doc_id"].isin(body_docs)]
    cells = inc.read_rows(out, "cells", body_docs, ["doc_id", "table", "row", "col", "value"])
    sections = inc.read_rows(out, "sections", body_docs, ["doc_id", "section", "text"])
    texts = narratives(sections)
    body = crossdoc_findings(sub, cells, sections, same_year=False)
    changed_now = changed & now.keys()
    bands = inc.band_index(documents[documents["doc_id"].isin(changed_now)], texts)
    same = findings_frame(inc.same_year_findings(state, documents, changed, bands, texts, out, work))
    new = with_ids(pd.concat([body, same], ignore_index=True) if len(same) else body, "corpus")
    years = {now[d][1] for d in body_docs} | {before[d][1] for d in changed if d in before}
    years = {UNKNOWN_YEAR if y is None else int(y) for y in years}
    new_by_year = _by_year(new, documents)
    previous = inc.findings_of_years(out, CORPUS_FINDINGS, years | set(new_by_year))
    empty = new.iloc[0:0]
    merged = {}
    for year, prev in previous.items():
        mine = new_by_year.get(year, empty)
        merged[year] = mine if prev is None else inc.replace_rows(prev, mine, body_docs, changed)
    _write_years(out, merged, replace_all=False)
    state.save({d: now[d] for d in changed_now}, bands, changed - now.keys(), work, full=False)
    return _all_corpus_findings(out)


def _by_year(found: pd.DataFrame, documents: pd.DataFrame) -> dict[int, pd.DataFrame]:
    """Findings split by the report year of the report they are on."""
    years = dict(zip(documents["doc_id"], documents["year"], strict=True))
    found_years = [years.get(d) for d in found["doc_id"]]
    key = pd.Series([UNKNOWN_YEAR if y is None or pd.isna(y) else int(y) for y in found_years], dtype="int64")
    return {int(y): g for y, g in found.groupby(key.values, sort=True)}


def _write_years(out: Path, by_year: dict[int, pd.DataFrame], *, replace_all: bool) -> None:
    """Write each year's corpus findings file (an empty frame removes it); ``replace_all``:
    the years not given lose theirs."""
    root = dataset_path(out, "findings")
    written = set()
    for year, g in sorted(by_year.items()):
        folder = root / f"{PARTITION}={int(year)}"
        if not len(g):
            (folder / CORPUS_FINDINGS).unlink(missing_ok=True)
            continue
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / f".{CORPUS_FINDINGS}.{uuid.uuid4().hex[:8]}.tmp"
        pq.write_table(_arrow(g), tmp, compression="zstd")
        os.replace(tmp, folder / CORPUS_FINDINGS)
        written.add(folder / CORPUS_FINDINGS)
    if replace_all:
        for old in root.glob(f"{PARTITION}=*/{CORPUS_FINDINGS}"):
            if old not in written:
                old.unlink()


def _all_corpus_findings(out: Path) -> pd.DataFrame:
    files = sorted(dataset_path(out, "findings").glob(f"{PARTITION}=*/{CORPUS_FINDINGS}"))
    frames = [pd.read_parquet(f) for f in files]
    frames = [f.drop(columns=[PARTITION], errors="ignore") for f in frames if len(f)]
    if not frames:
        return with_ids(findings_frame([]), "corpus")
    return pd.concat(frames, ignore_index=True)


def with_version_columns(out: Path, documents: pd.DataFrame) -> pd.DataFrame:
    """``documents`` with what the choice of the canonical report reads (:mod:`nianbao.normalize.versions`):
    title, n_cells, n_sections, every path (``sources``, from the manifest when there is one)
    and the fetch time of reports read from an archive."""
    extra = _read(out, "documents", ["doc_id", "source", "sources", "n_cells", "n_sections", "title"])
    extra = extra.drop_duplicates("doc_id")
    df = documents.merge(extra, on="doc_id", how="left")
    if (out / MANIFEST).exists():  # read only: the run that called this holds the manifest open
        live: dict[str, list[str]] = {}
        con = sqlite3.connect(f"file:{out / MANIFEST}?mode=ro", uri=True)
        try:
            for doc_id, source in con.execute("SELECT doc_id, source FROM files ORDER BY doc_id, source"):
                live.setdefault(doc_id, []).append(source)
        finally:
            con.close()
        old = df["sources"] if "sources" in df.columns else [None] * len(df)
        df["sources"] = [live.get(d, s) for d, s in zip(df["doc_id"], old, strict=True)]
    rows = with_origins(df.to_dict("records"))
    df["fetched_at"] = [r.get("fetched_at") for r in rows]
    return df


def corpus_findings_counts(out: Path) -> tuple[int, dict[str, int]]:
    """:func:`update_corpus_findings`, returning how many and doc_id -> count (small, picklable)."""
    found = update_corpus_findings(Path(out))
    return len(found), {str(k): int(v) for k, v in found["doc_id"].value_counts().items()}


def refresh_report_findings(manifest: Manifest, *, missing_only: bool = False) -> dict[str, int]:
    """Recompute every live part's report findings from its stored rows (no parsing).

    ``missing_only``: only the findings files a part lists but that are gone (an older
    ``check`` replaced the whole folder).  Returns doc_id -> report findings, for the
    documents looked at.
    """
    counts: dict[str, int] = {}
    for part, (_n, files) in manifest.live_parts().items():
        live = set(manifest.sources_of(part))
        changes: dict[str, pa.Table | None] = {}
        for rel in files:
            if not rel.startswith("documents.parquet/"):
                continue
            target = rel.replace("documents.parquet/", "findings.parquet/", 1)
            if missing_only and (target not in files or (manifest.out / target).exists()):
                continue
            frames = {}
            for name in ("documents", "cells", "sections"):
                path = manifest.out / rel.replace("documents.parquet/", f"{name}.parquet/", 1)
                frames[name] = (
                    pd.read_parquet(path) if path.exists() else SCHEMAS[name].empty_table().to_pandas()
                )
            docs = frames["documents"][frames["documents"]["doc_id"].isin(live)]
            df = per_report_findings(docs, frames["cells"], frames["sections"])
            counts.update(dict.fromkeys(docs["doc_id"], 0))
            counts.update(df["doc_id"].value_counts().to_dict())
            if len(df):
                changes[target] = _arrow(df)
            elif target in files:
                changes[target] = None
        if changes:
            manifest.replace_part_files(part, changes)
    return counts


def reclaim_flat_findings(manifest: Manifest) -> bool:
    """Bring ``findings`` back to the part layout after an older ``check`` rewrote it flat.

    That ``check`` replaced ``DIR/findings.parquet`` with one file; beside part files it
    would double rows.  The parts' report findings are recomputed from their stored
    rows, the flat files removed (the corpus findings are recomputed at the end of the
    run).  Returns whether anything was done.
    """
    root = dataset_path(manifest.out, "findings")
    flat = [p for p in root.iterdir() if p.is_file()] if root.is_dir() else []
    if not flat:
        return False
    refresh_report_findings(manifest, missing_only=True)
    for path in flat:
        path.unlink(missing_ok=True)
    # The corpus findings went with the flat file: what the incremental state says was
    # computed is gone, so the next computation is a full one.
    (manifest.out / inc.STATE).unlink(missing_ok=True)
    manifest.clear_staging()
    manifest.set_meta(CORPUS_STATE, "stale")
    return True


def units_frame(documents: pd.DataFrame, texts: Mapping[str, str] | None = None) -> pd.DataFrame:
    """One row per agency name: its key, level, kind and divisions, and how many reports.

    ``texts`` (doc_id -> the report's words) decide a place the name leaves open among
    several (:func:`nianbao.normalize.agencies.place_by_text`): when the reports of a name that
    tell anything all tell the same place.  Reports telling different places leave the
    name unplaced, and its ambiguity says so.
    """
    docs = documents[documents["agency"].notna()]
    names = docs["agency"].astype(str)
    counts = names.value_counts()
    ids_of = docs.groupby(names)["doc_id"].agg(list).to_dict() if texts else {}
    rows = []
    for n, k in sorted(counts.items()):
        unit = classify(n)
        if texts and needs_text(unit):
            unit = _placed_by_reports(unit, [texts.get(d, "") for d in ids_of.get(n, [])])
        rows.append({**unit.as_row(), "reports": int(k)})
    return pd.DataFrame(rows, columns=[f.name for f in UNITS_SCHEMA])


def _placed_by_reports(unit: Unit, texts: list[str]) -> Unit:
    told = {}
    for text in texts:
        placed = place_by_text(unit, text)
        if placed is not None:
            told[(placed.division, placed.township_code)] = placed
    if len(told) == 1:
        return next(iter(told.values()))
    if len(told) > 1:
        why = f"its reports name {len(told)} different places"
        return replace(unit, ambiguity=f"{unit.ambiguity}; {why}" if unit.ambiguity else why)
    return unit


def unit_texts(out: Path, documents: pd.DataFrame, sections: pd.DataFrame | None = None) -> dict[str, str]:
    """doc_id -> title and narrative of the reports whose body's name leaves its place open."""
    docs = documents[documents["agency"].notna()]
    open_names = {n for n in docs["agency"].astype(str).unique() if needs_text(classify(n))}
    ids = set(docs.loc[docs["agency"].astype(str).isin(open_names), "doc_id"])
    if not ids:
        return {}
    if sections is None:
        if (out / MANIFEST).exists():
            sections = inc.read_rows(out, "sections", ids, ["doc_id", "section", "text"])
        else:
            sections = read_dataset(out, "sections")
    texts = narratives(sections[sections["doc_id"].isin(ids)])
    titles = docs.set_index("doc_id")["title"] if "title" in docs.columns else pd.Series(dtype=str)
    return {d: f"{titles.get(d) or ''}\n{texts.get(d, '')}" for d in ids}


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


def run_check(dataset_dir: Path, console: Console | None = None, *, wait: bool = False) -> CheckSummary:
    """Re-run all rules over ``dataset_dir``; write findings and units; print the summary.

    A check writes into the dataset as ``extract`` does, so it holds the same lock
    (:mod:`nianbao.corpus.lock`): while a run writes there it raises
    :class:`nianbao.corpus.lock.OutputLocked` (one line), or waits for it with ``wait``.
    """
    dataset_dir = Path(dataset_dir)
    if not dataset_path(dataset_dir, "documents").exists():  # before the lock creates the folder
        raise FileNotFoundError(f"no documents dataset in {dataset_dir}")
    with output_lock(dataset_dir, wait):
        return _check_locked(dataset_dir, console)


def _check_locked(dataset_dir: Path, console: Console | None) -> CheckSummary:
    documents = read_dataset(dataset_dir, "documents")
    if (dataset_dir / MANIFEST).exists():
        manifest = Manifest(dataset_dir)
        try:
            manifest.recover(ALL_SCHEMAS)
            manifest.set_meta(CORPUS_STATE, "stale")
            report_counts = refresh_report_findings(manifest)
            for path in dataset_path(dataset_dir, "findings").glob("*.parquet"):
                path.unlink()  # a flat file of an older check (the parts now hold those rows)
            cross = update_corpus_findings(dataset_dir, full=True)  # the rules may have changed
            manifest.refresh_documents(cross["doc_id"].value_counts().to_dict(), report_counts)
            manifest.set_meta(CORPUS_STATE, "done")
        finally:
            manifest.close()
        findings = read_dataset(dataset_dir, "findings")
        findings_path = dataset_path(dataset_dir, "findings")
    else:
        cells = read_dataset(dataset_dir, "cells")
        sections = read_dataset(dataset_dir, "sections")
        per_report = per_report_findings(documents, cells, sections)
        cross = corpus_findings(documents, cells, sections)
        findings = pd.concat([per_report, cross], ignore_index=True) if len(cross) else per_report
        findings_path = _write(findings, dataset_dir, "findings", FINDINGS_SCHEMA)

    summary = CheckSummary(
        documents=len(documents),
        checked=int((documents["status"] != "failed").sum()),
        findings=len(findings),
        by_severity=Counter(findings["severity"].astype(str)),
        by_rule=Counter(findings["rule"].astype(str)),
        agencies=agency_summary(documents, findings),
        findings_path=findings_path,
        findings_frame=findings,
    )
    texts = unit_texts(dataset_dir, documents.drop_duplicates("doc_id"))
    summary.units_path = _write(units_frame(documents, texts), dataset_dir, "units", UNITS_SCHEMA)
    if console is not None:
        print_summary(console, summary)
    return summary
