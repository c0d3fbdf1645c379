"""Rules across reports: one body's consecutive years, and one year's many bodies.

Reports are paired by :func:`nianbao.normalize.agencies.agency_key`.  Year N is compared with
year N−1 of the same key:

* 表三 二 carried_over (N) == 四 carried_forward (N−1), per column;
* 表二 现行有效件数 (N) == 现行有效件数 (N−1) + 本年制发 (N) − 本年废止 (N), 2021 format;
* the narratives, for a copy of last year's text.

Two or more reports of one body and year are flagged (``duplicate.report``, one finding
per report and other report, naming both and the canonical one, see
:mod:`nianbao.normalize.versions`); the rules across years compare canonical reports only.

Within a year, narratives of different bodies are compared through a MinHash index
(:mod:`nianbao.normalize.similarity`).  A report whose 表三 and 表四 are all zero is flagged
for review when the same body received requests in another year.

Input and output are DataFrames with the columns of the output contract; findings
rows carry ``other_doc_id`` and ``similarity`` where another report is involved.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from functools import cache

import pandas as pd
from datasketch import MinHash, MinHashLSH

from nianbao.normalize.agencies import agency_key
from nianbao.normalize.records import Finding
from nianbao.normalize.rules import finding
from nianbao.normalize.similarity import NUM_PERM, fold, jaccard, near_duplicates, shingles
from nianbao.normalize.spec import table_spec
from nianbao.normalize.validate import fmt
from nianbao.normalize.versions import canonical_flags, groups, why

FINDING_COLUMNS = (
    "doc_id",
    "rule",
    "severity",
    "table",
    "row",
    "col",
    "section",
    "expected",
    "actual",
    "message",
    "other_doc_id",
    "similarity",
)
ACROSS_BODIES = frozenset({"copy.same_year"})  # every other rule compares one body's reports only
COPY_PREVIOUS_THRESHOLD = 0.8
COPY_SAME_YEAR_THRESHOLD = 0.8
MIN_NARRATIVE_CHARS = 200

Values = dict[tuple[str, str, str], float | None]


def finding_row(
    doc_id: str, f: Finding, *, other_doc_id: str | None = None, similarity: float | None = None
) -> dict[str, object]:
    """One row of the findings dataset."""
    return {
        "doc_id": doc_id,
        "rule": f.rule,
        "severity": f.severity,
        "table": f.table,
        "row": f.row,
        "col": f.col,
        "section": f.section,
        "expected": f.expected,
        "actual": f.actual,
        "message": f.message,
        "other_doc_id": other_doc_id,
        "similarity": similarity,
    }


def findings_frame(rows: Iterable[Mapping[str, object]]) -> pd.DataFrame:
    """Findings rows as a DataFrame with the contract's column order and dtypes."""
    df = pd.DataFrame(list(rows), columns=list(FINDING_COLUMNS))
    df["section"] = df["section"].astype("Int8")
    df["similarity"] = df["similarity"].astype("float64")
    for c in FINDING_COLUMNS:
        if c not in ("section", "similarity"):
            df[c] = df[c].astype("string")
    return df


def _values(cells: pd.DataFrame) -> dict[str, Values]:
    out: dict[str, Values] = defaultdict(dict)
    for doc, t, r, c, v in cells[["doc_id", "table", "row", "col", "value"]].itertuples(index=False):
        out[doc][(t, r, c)] = None if pd.isna(v) else float(v)
    return out


def usable(documents: pd.DataFrame) -> pd.DataFrame:
    docs = documents[documents["status"].fillna("ok") != "failed"].copy()
    docs["key"] = [agency_key(a) if isinstance(a, str) else "" for a in docs["agency"]]
    docs = docs[(docs["key"] != "") & docs["year"].notna()]
    docs["year"] = docs["year"].astype(int)
    return docs


def _year_pairs(docs: pd.DataFrame) -> list[tuple[pd.Series, pd.Series]]:
    """(year N, year N−1) report pairs of the same agency key."""
    by = {(k, y): g for (k, y), g in docs.groupby(["key", "year"])}
    pairs = []
    for (k, y), cur in sorted(by.items()):
        prev = by.get((k, y - 1))
        if prev is None:
            continue
        for _, a in cur.iterrows():
            for _, b in prev.iterrows():
                pairs.append((a, b))
    return pairs


def carry_rule(cur: pd.Series, prev: pd.Series, vals: Mapping[str, Values]) -> list[dict[str, object]]:
    """表三 二 上年结转 of year N against 四 结转下年度 of year N−1, per column."""
    a, b = vals.get(cur["doc_id"], {}), vals.get(prev["doc_id"], {})
    out = []
    labels = table_spec("t3", "2021").col_labels
    for col in labels:
        now, before = a.get(("t3", "carried_over", col)), b.get(("t3", "carried_forward", col))
        if now is None or before is None or abs(now - before) < 1e-6:
            continue
        f = finding(
            "crossyear.carry",
            f"表三 {labels[col]}: 二 上年结转 {cur['year']} = {fmt(now)} but 四 结转下年度 "
            f"{prev['year']} = {fmt(before)} (report {str(prev['doc_id'])[:12]})",
            table="t3",
            row="carried_over",
            col=col,
            expected=fmt(before),
            actual=fmt(now),
        )
        out.append(finding_row(cur["doc_id"], f, other_doc_id=prev["doc_id"]))
    return out


def in_force_rule(cur: pd.Series, prev: pd.Series, vals: Mapping[str, Values]) -> list[dict[str, object]]:
    """表二 现行有效件数 (N) == 现行有效件数 (N−1) + 本年制发件数 (N) − 本年废止件数 (N)."""
    if cur.get("template") != "2021" or prev.get("template") != "2021":
        return []
    a, b = vals.get(cur["doc_id"], {}), vals.get(prev["doc_id"], {})
    out = []
    for row, label in (("regulation", "规章"), ("normative_doc", "规范性文件")):
        now = a.get(("t2", row, "in_force"))
        before = b.get(("t2", row, "in_force"))
        issued, repealed = a.get(("t2", row, "issued")), a.get(("t2", row, "repealed"))
        if None in (now, before, issued, repealed):
            continue
        want = before + issued - repealed  # type: ignore[operator]
        if abs(want - now) < 1e-6:  # type: ignore[operator]
            continue
        f = finding(
            "crossyear.in_force",
            f"表二 {label} 现行有效件数 {cur['year']} = {fmt(now)} but {prev['year']}'s {fmt(before)} "
            f"+ 制发 {fmt(issued)} − 废止 {fmt(repealed)} = {fmt(want)}",
            table="t2",
            row=row,
            col="in_force",
            expected=fmt(want),
            actual=fmt(now),
        )
        out.append(finding_row(cur["doc_id"], f, other_doc_id=prev["doc_id"]))
    return out


def all_zero_rule(docs: pd.DataFrame, vals: Mapping[str, Values]) -> list[dict[str, object]]:
    """All of 表三 and 表四 zero while the same body received requests in another year."""
    received = {
        d: v.get(("t3", "new_received", "total")) or 0.0 for d, v in vals.items()
    }  # requests newly received per report
    out = []
    for _, g in docs.groupby("key"):
        for _, row in g.iterrows():
            v = vals.get(row["doc_id"], {})
            nums = [x for (t, _r, _c), x in v.items() if t in ("t3", "t4")]
            if not nums or any(x not in (None, 0.0) for x in nums) or all(x is None for x in nums):
                continue
            others = [(r["year"], r["doc_id"]) for _, r in g.iterrows() if received.get(r["doc_id"], 0) > 0]
            if not others:
                continue
            y, other = min(others, key=lambda o: abs(o[0] - row["year"]))
            f = finding(
                "review.all_zero",
                f"表三 and 表四 are all 0 in {row['year']}, but the same body received "
                f"{fmt(received[other])} requests in {y}",
                table="t3",
                row="new_received",
                col="total",
                expected=f"> 0 as in {y}",
                actual="0",
            )
            out.append(finding_row(row["doc_id"], f, other_doc_id=other))
    return out


def narratives(sections: pd.DataFrame) -> dict[str, str]:
    """doc_id -> the report's narrative, parts in order."""
    s = sections.sort_values(["doc_id", "section"])
    return {d: "\n".join(t.fillna("").astype(str)) for d, t in s.groupby("doc_id")["text"]}


def copy_rules(
    docs: pd.DataFrame,
    texts: Mapping[str, str],
    pairs: Iterable[tuple[pd.Series, pd.Series]],
    same_year: bool = True,
) -> list[dict[str, object]]:
    """Copies of last year's own text (paired directly) and of other bodies' same-year text (LSH)."""
    out = []
    for cur, prev in pairs:
        a, b = texts.get(cur["doc_id"], ""), texts.get(prev["doc_id"], "")
        if min(len(a), len(b)) < MIN_NARRATIVE_CHARS:
            continue
        sim = jaccard(shingles(a), shingles(b))
        if sim >= COPY_PREVIOUS_THRESHOLD:
            f = finding(
                "copy.previous_year",
                f"narrative {sim:.0%} similar to the same body's {prev['year']} report "
                f"({str(prev['doc_id'])[:12]})",
                expected=f"< {COPY_PREVIOUS_THRESHOLD:.0%}",
                actual=f"{sim:.0%}",
            )
            out.append(finding_row(cur["doc_id"], f, other_doc_id=prev["doc_id"], similarity=sim))
    if same_year:
        for _, g in docs.groupby("year"):
            year_texts = {d: texts[d] for d in g["doc_id"] if d in texts}
            pairs_found = near_duplicates(year_texts, COPY_SAME_YEAR_THRESHOLD, min_chars=MIN_NARRATIVE_CHARS)
            out += same_year_rows(docs, pairs_found)
    return out


def same_year_rows(docs: pd.DataFrame, pairs: Iterable[tuple[str, str, float]]) -> list[dict[str, object]]:
    """``copy.same_year`` for near-duplicate pairs of one year: one finding each way,
    none for one body's two reports.  ``docs`` holds both reports of every pair."""
    info = docs.drop_duplicates("doc_id").set_index("doc_id")
    out = []
    for a, b, sim in pairs:
        if info.at[a, "key"] == info.at[b, "key"]:
            continue  # one body's report twice (two files of one report)
        for me, other in ((a, b), (b, a)):
            f = finding(
                "copy.same_year",
                f"narrative {sim:.0%} similar to {info.at[other, 'agency']}'s {info.at[other, 'year']} "
                f"report ({other[:12]})",
                expected=f"< {COPY_SAME_YEAR_THRESHOLD:.0%}",
                actual=f"{sim:.0%}",
            )
            out.append(finding_row(me, f, other_doc_id=other, similarity=sim))
    return out


def band_keys(text: str) -> list[bytes]:
    """The MinHash LSH band keys of a narrative, as :func:`near_duplicates` indexes it:
    two narratives of one year are compared exactly when they share a key.  Empty for a
    narrative too short to be compared."""
    if len(fold(text)) < MIN_NARRATIVE_CHARS:
        return []
    m = MinHash(num_perm=NUM_PERM)
    m.update_batch([s.encode("utf-8") for s in shingles(text)])
    b, r = _bands()
    return [m.hashvalues[i * r : (i + 1) * r].tobytes() for i in range(b)]


@cache
def _bands() -> tuple[int, int]:
    lsh = MinHashLSH(threshold=max(0.05, COPY_SAME_YEAR_THRESHOLD - 0.1), num_perm=NUM_PERM)
    return lsh.b, lsh.r


def copy_score(a: str, b: str) -> float | None:
    """The similarity of two narratives if it makes them copies (``copy.same_year``), else None."""
    sim = jaccard(shingles(a), shingles(b))
    return sim if sim >= COPY_SAME_YEAR_THRESHOLD else None


def _name(row: Mapping[str, object]) -> str:
    sources = row.get("sources")
    first = sources[0] if sources is not None and len(sources) else row.get("source")  # type: ignore[arg-type, index]
    return str(first or row.get("doc_id")).replace("\\", "/").rsplit("/", 1)[-1]


def duplicate_rule(records: list[dict[str, object]]) -> list[dict[str, object]]:
    """One finding per report of a body and year that has others, naming each other report."""
    out = []
    for (_key, year), members in groups(records).items():
        if len(members) < 2:
            continue
        best = members[0]
        for me in members:
            for other in members:
                if other is me:
                    continue
                canon = best if best is not me else me
                loser = other if canon is me else me
                f = finding(
                    "duplicate.report",
                    f"another report for {me.get('agency')} {year}: this one ({str(me['doc_id'])[:12]}, "
                    f"{_name(me)}) and {str(other['doc_id'])[:12]} ({_name(other)}); canonical: "
                    f"{str(best['doc_id'])[:12]} ({why(canon, loser)})",
                    expected="one report",
                    actual="more than one",
                )
                out.append(finding_row(str(me["doc_id"]), f, other_doc_id=str(other["doc_id"])))
    return out


def crossdoc_findings(
    documents: pd.DataFrame, cells: pd.DataFrame, sections: pd.DataFrame, *, same_year: bool = True
) -> pd.DataFrame:
    """Every cross-report rule over the three datasets; a findings DataFrame.

    ``documents`` may carry the columns :mod:`nianbao.normalize.versions` ranks by (``title``,
    ``sources``, ``n_cells``, ``n_sections``, ``fetched_at``); the rules across years
    compare only the canonical report of each body and year.  ``same_year=False``
    leaves out ``copy.same_year``, the one rule across bodies: the others look at one
    body's reports only, so they can be run over a few bodies (:data:`BODY_RULES`)."""
    records = documents.drop_duplicates("doc_id").to_dict("records")
    rows: list[dict[str, object]] = duplicate_rule(records)
    docs = usable(documents)
    if docs.empty:
        return findings_frame(rows)
    docs = docs.drop_duplicates("doc_id")
    flags = canonical_flags(records)
    vals = _values(cells[cells["doc_id"].isin(docs["doc_id"])])
    pairs = _year_pairs(docs[[flags.get(d, True) for d in docs["doc_id"]]])
    for cur, prev in pairs:
        rows += carry_rule(cur, prev, vals)
        rows += in_force_rule(cur, prev, vals)
    rows += all_zero_rule(docs, vals)
    texts = narratives(sections[sections["doc_id"].isin(docs["doc_id"])])
    rows += copy_rules(docs, texts, pairs, same_year)
    return findings_frame(rows)
