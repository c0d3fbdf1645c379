"""The findings across reports, recomputed for what changed instead of the whole corpus.

Every rule across reports but one compares the reports of one body (its years, its
duplicates): when a batch adds or changes reports, only the bodies it touches can have
new findings of those rules, and only their reports (every year) are read again.  The
one rule across bodies, ``copy.same_year``, compares a changed report with the other
reports of its year through the MinHash LSH band keys that :func:`near_duplicates`
would have built: the keys of every report are kept, so a new report is scored only
against the reports that share a key with it (its candidates), whose text is read.

What the last computation saw is kept in ``DIR/crossdoc.sqlite``: per report its body
key, year and a fingerprint of everything the rules read from ``documents`` and the
manifest (agency, year, template, status, dates, title, counts, paths, when its rows
were written, extractor version and options), and its band keys.  A report whose
fingerprint differs, or that appeared or went, is *changed*.  The findings of the
touched bodies and the ``copy.same_year`` findings naming a changed report are
replaced; the rest are kept as they are.  The result is the same as a recompute over
the whole corpus (tested): a full one is made when there is no state, when the rules
changed (:data:`STATE_VERSION`), or when asked (``nianbao check``).

The state is written after the findings files: a run killed in between leaves the old
state, and the next run redoes the same bodies from it (the replacement is idempotent).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from nianbao.corpus.manifest import MANIFEST
from nianbao.corpus.store import dataset_path
from nianbao.normalize.agencies import agency_key
from nianbao.normalize.crossdoc import (
    ACROSS_BODIES,
    band_keys,
    copy_score,
    narratives,
    same_year_rows,
    usable,
)
from nianbao.normalize.version import EXTRACTOR_VERSION

STATE = "crossdoc.sqlite"
STATE_VERSION = f"1+{EXTRACTOR_VERSION}"  # a new extractor may bring new rules: recompute all
FINGERPRINT = (
    "agency",
    "year",
    "template",
    "status",
    "published",
    "title",
    "n_cells",
    "n_sections",
    "sources",
    "source",
    "fetched_at",
)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS docs (doc_id TEXT PRIMARY KEY, key TEXT NOT NULL, year INTEGER, fp TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS bands (doc_id TEXT NOT NULL, year INTEGER NOT NULL, band BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS bands_key ON bands(year, band);
CREATE INDEX IF NOT EXISTS bands_doc ON bands(doc_id);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
"""


@dataclass(slots=True)
class Work:
    """What one computation of the findings across reports cost, for tests and benchmarks."""

    mode: str = "full"  # full | incremental | unchanged
    documents: int = 0  # reports in the dataset
    changed: int = 0  # reports added, changed or gone since the last computation
    bodies: int = 0  # bodies whose reports were checked again
    reports_read: int = 0  # reports whose cells or narrative were read for the rules
    pairs_scored: int = 0  # same-year narrative pairs compared exactly

    def as_json(self) -> str:
        return json.dumps({k: getattr(self, k) for k in self.__slots__})  # type: ignore[attr-defined]


def _text(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v != v:
        return ""
    if hasattr(v, "tolist"):
        v = v.tolist()  # type: ignore[union-attr]
    if isinstance(v, (list, tuple)):
        return json.dumps([str(x) for x in v], ensure_ascii=False)
    try:
        if pd.isna(v):  # type: ignore[arg-type]
            return ""
    except (TypeError, ValueError):
        pass
    return str(v)


def fingerprints(documents: pd.DataFrame, written: dict[str, str]) -> dict[str, str]:
    """doc_id -> a hash of what the rules across reports read of it (``written``: from the
    manifest, when and how its rows were written)."""
    cols = [c for c in FINGERPRINT if c in documents.columns]
    out = {}
    for row in documents[["doc_id", *cols]].itertuples(index=False):
        doc_id = str(row[0])
        parts = [_text(v) for v in row[1:]] + [written.get(doc_id, "")]
        out[doc_id] = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:20]
    return out


def written_at(out: Path) -> dict[str, str]:
    """doc_id -> when and by which extractor its rows were written (manifest, read only)."""
    if not (out / MANIFEST).exists():
        return {}
    con = sqlite3.connect(f"file:{out / MANIFEST}?mode=ro", uri=True)
    try:
        q = (
            "SELECT doc_id, max(done_at), group_concat(DISTINCT extractor_version || ' ' || options) "
            "FROM files GROUP BY doc_id"
        )
        return {d: f"{t}|{v}" for d, t, v in con.execute(q)}
    finally:
        con.close()


def doc_parts(out: Path, doc_ids: Iterable[str], name: str) -> list[Path]:
    """The part files of dataset ``name`` that hold the rows of ``doc_ids`` (manifest)."""
    ids = sorted(set(doc_ids))
    if not ids:
        return []
    con = sqlite3.connect(f"file:{out / MANIFEST}?mode=ro", uri=True)
    try:
        parts = {
            p
            for (p,) in con.execute(
                "SELECT DISTINCT part FROM files WHERE doc_id IN (SELECT value FROM json_each(?))",
                (json.dumps(ids),),
            )
        }
        files = []
        for part in sorted(parts):
            row = con.execute("SELECT files FROM parts WHERE part = ? AND state = 'live'", (part,)).fetchone()
            if row:
                files += [out / r for r in json.loads(row[0]) if r.startswith(f"{name}.parquet/")]
    finally:
        con.close()
    return [f for f in files if f.exists()]


def read_rows(out: Path, name: str, doc_ids: set[str], columns: list[str]) -> pd.DataFrame:
    """The rows of ``doc_ids`` in dataset ``name``, read from their parts only."""
    frames = []
    for path in doc_parts(out, doc_ids, name):
        df = pd.read_parquet(path)
        frames.append(df[df["doc_id"].isin(doc_ids)][[c for c in columns if c in df.columns]])
    if not frames:
        return pd.DataFrame(columns=columns)
    return pd.concat(frames, ignore_index=True).drop_duplicates()


class State:
    """``DIR/crossdoc.sqlite``: what the last computation of the corpus findings saw."""

    def __init__(self, out: Path):
        self.con = sqlite3.connect(out / STATE, isolation_level=None)
        self.con.executescript(_SCHEMA)

    def close(self) -> None:
        self.con.close()

    def valid(self) -> bool:
        row = self.con.execute("SELECT value FROM meta WHERE key = 'version'").fetchone()
        return row is not None and row[0] == STATE_VERSION

    def docs(self) -> dict[str, tuple[str, int | None, str]]:
        return {d: (k, y, fp) for d, k, y, fp in self.con.execute("SELECT doc_id, key, year, fp FROM docs")}

    def candidates(self, year: int, keys: list[bytes], exclude: set[str]) -> set[str]:
        """Reports of ``year`` on record that share a band key with ``keys``."""
        found: set[str] = set()
        for key in keys:
            q = "SELECT doc_id FROM bands WHERE year = ? AND band = ?"
            found.update(d for (d,) in self.con.execute(q, (year, key)))
        return found - exclude

    def save(
        self,
        docs: dict[str, tuple[str, int | None, str]],
        bands: dict[str, tuple[int, list[bytes]]],
        gone: Iterable[str],
        work: Work,
        full: bool,
    ) -> None:
        """Record ``docs`` and their ``bands`` (all of them when ``full``), forget ``gone``."""
        with self.con:
            self.con.execute("BEGIN")
            if full:
                self.con.execute("DELETE FROM docs")
                self.con.execute("DELETE FROM bands")
            for doc_id in [*gone, *docs]:
                self.con.execute("DELETE FROM docs WHERE doc_id = ?", (doc_id,))
                self.con.execute("DELETE FROM bands WHERE doc_id = ?", (doc_id,))
            self.con.executemany("INSERT INTO docs VALUES (?, ?, ?, ?)", [(d, *v) for d, v in docs.items()])
            self.con.executemany(
                "INSERT INTO bands VALUES (?, ?, ?)",
                [(d, y, k) for d, (y, keys) in bands.items() for k in keys],
            )
            self.con.execute("INSERT OR REPLACE INTO meta VALUES ('version', ?)", (STATE_VERSION,))
            self.con.execute("INSERT OR REPLACE INTO meta VALUES ('last_work', ?)", (work.as_json(),))


def last_work(out: Path) -> Work | None:
    """What the last computation cost (None before the first)."""
    if not (out / STATE).exists():
        return None
    con = sqlite3.connect(f"file:{out / STATE}?mode=ro", uri=True)
    try:
        row = con.execute("SELECT value FROM meta WHERE key = 'last_work'").fetchone()
    finally:
        con.close()
    return Work(**json.loads(row[0])) if row else None


def _year(v: object) -> int | None:
    return None if v is None or pd.isna(v) else int(v)  # type: ignore[arg-type]


def snapshot(documents: pd.DataFrame, fps: dict[str, str]) -> dict[str, tuple[str, int | None, str]]:
    """doc_id -> (body key, year, fingerprint) of every report."""
    return {
        str(d): (agency_key(a) if isinstance(a, str) else "", _year(y), fps[str(d)])
        for d, a, y in documents[["doc_id", "agency", "year"]].itertuples(index=False)
    }


def band_index(documents: pd.DataFrame, texts: dict[str, str]) -> dict[str, tuple[int, list[bytes]]]:
    """doc_id -> (year, band keys) of the usable reports among ``texts``."""
    docs = usable(documents)
    out = {}
    for d, y in docs[["doc_id", "year"]].itertuples(index=False):
        keys = band_keys(texts.get(d, ""))
        if keys:
            out[str(d)] = (int(y), keys)
    return out


def changed_since(
    now: dict[str, tuple[str, int | None, str]], before: dict[str, tuple[str, int | None, str]]
) -> set[str]:
    """Reports added, gone, or whose fingerprint moved."""
    return {
        d for d in now.keys() | before.keys() if now.get(d, (0, 0, None))[2] != before.get(d, (0, 0, ""))[2]
    }


def touched(
    changed: set[str],
    now: dict[str, tuple[str, int | None, str]],
    before: dict[str, tuple[str, int | None, str]],
) -> tuple[set[str], set[str]]:
    """(body keys touched, their reports now): a changed report's body before and after."""
    keys = {v[0] for d in changed for v in (now.get(d), before.get(d)) if v is not None and v[0]}
    docs = {d for d, (k, _y, _fp) in now.items() if k in keys} | (changed & now.keys())
    return keys, docs


def replace_rows(
    previous: pd.DataFrame, new: pd.DataFrame, bodies: set[str], changed: set[str]
) -> pd.DataFrame:
    """``previous`` findings less those recomputed, plus ``new``.

    Recomputed: every finding of a rule within one body on a report of the touched
    bodies, and every ``copy.same_year`` finding on or naming a changed report."""
    across = previous["rule"].isin(ACROSS_BODIES)
    drop = (~across & previous["doc_id"].isin(bodies | changed)) | (
        across & (previous["doc_id"].isin(changed) | previous["other_doc_id"].isin(changed))
    )
    kept = previous[~drop]
    if not len(new):
        return kept.reset_index(drop=True)
    if not len(kept):
        return new.reset_index(drop=True)
    return pd.concat([kept, new], ignore_index=True)


def same_year_pairs(
    state: State,
    docs: pd.DataFrame,
    changed: set[str],
    changed_bands: dict[str, tuple[int, list[bytes]]],
    texts: dict[str, str],
    load: Callable[[set[str]], dict[str, str]],
    work: Work,
) -> list[tuple[str, str, float]]:
    """Near-duplicate pairs of one year with at least one changed report in them.

    Candidates are the reports on record and the other changed reports that share a
    band key; each is scored exactly on the two narratives (``load`` reads the texts
    of reports not read yet)."""
    by_year: dict[int, dict[str, list[bytes]]] = {}
    for d, (y, keys) in changed_bands.items():
        by_year.setdefault(y, {})[d] = keys
    live = set(docs["doc_id"])
    pairs: set[tuple[str, str]] = set()
    for year, mine in by_year.items():
        band_of = {d: set(k) for d, k in mine.items()}
        for d, keys in mine.items():
            # the keys on record of a changed report are its old ones: never a candidate
            for other in state.candidates(year, keys, exclude=changed) & live:
                pairs.add((min(d, other), max(d, other)))
            for other, ks in band_of.items():
                if other != d and ks & set(keys):
                    pairs.add((min(d, other), max(d, other)))
    need = {x for p in pairs for x in p} - texts.keys()
    if need:
        texts.update(load(need))
        work.reports_read += len(need)
    out = []
    for a, b in sorted(pairs):
        work.pairs_scored += 1
        sim = copy_score(texts.get(a, ""), texts.get(b, ""))
        if sim is not None:
            out.append((a, b, sim))
    return out


def same_year_findings(
    state: State,
    docs: pd.DataFrame,
    changed: set[str],
    changed_bands: dict[str, tuple[int, list[bytes]]],
    texts: dict[str, str],
    out: Path,
    work: Work,
) -> list[dict[str, object]]:
    """``copy.same_year`` rows of the pairs that hold a changed report."""

    def load(ids: set[str]) -> dict[str, str]:
        return narratives(read_rows(out, "sections", ids, ["doc_id", "section", "text"]))

    pairs = same_year_pairs(state, docs, changed, changed_bands, texts, load, work)
    return same_year_rows(usable(docs), pairs)


def findings_of_years(out: Path, name: str, years: set[int]) -> dict[int, pd.DataFrame]:
    """The corpus findings file of each of ``years`` (empty frames for years without)."""
    root = dataset_path(out, "findings")
    found = {}
    for y in years:
        path = root / f"report_year={y}" / name
        found[y] = pd.read_parquet(path) if path.exists() else None
    return found
