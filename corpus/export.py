"""``nianbao export DIR --to FILE``: the dataset as one file a statistics package opens.

Two forms:

* long (default): one row per printed number, ``cells`` with the report's metadata and
  each cell's variable name and label beside its value, text as printed and place;
* wide (``--wide``): one row per report, one column per standard cell
  (:mod:`nianbao.corpus.codebook` names them) after the report's metadata (body, level, kind,
  province, year, template, status, publication date, deadline, days late, findings by
  severity).

A blank cell stays missing, never 0; a cell the report does not print is missing too
(the long form tells the two apart: a blank has its row, with the dash in ``raw``).
Every export carries its codebook: a sheet of the .xlsx, Stata variable and value
labels in the .dta (format 118, UTF-8), ``FILE.codebook.csv`` and ``FILE.codebook.md``
beside a .csv or .parquet.  Labels are Chinese with ``lang='zh'``, English with ``'en'``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from nianbao.corpus.codebook import (
    LONG_VARIABLES,
    META_VARIABLES,
    UNIT_SUFFIX,
    Variable,
    by_key,
    cell_variables,
    codebook_frame,
    harmonised_variables,
    printed_unit,
    unit_variables,
    variables,
)
from nianbao.corpus.placements import read_units, units_for
from nianbao.corpus.store import dataset_path
from nianbao.normalize.agencies import Unit
from nianbao.normalize.validate import deadline

FORMATS = (".xlsx", ".dta", ".csv", ".parquet")
EXCEL_MAX_ROWS = 1_048_575  # below the header row
_STATA_LABEL = 80  # Stata's limit on a variable label


class ExportError(Exception):
    """An export that cannot be written: no dataset, a bad destination."""


@dataclass(slots=True)
class Loaded:
    """The datasets an export or report reads, with each report's unit and deadline."""

    documents: pd.DataFrame  # META_VARIABLES columns, one row per doc_id
    cells: pd.DataFrame
    findings: pd.DataFrame
    sections: pd.DataFrame | None = None


def _read(out: Path, name: str, required: bool = True) -> pd.DataFrame | None:
    path = dataset_path(out, name)
    if not path.exists():
        if required:
            raise ExportError(f"no {name} dataset in {out}; run 'nianbao extract ... --out {out}' first")
        return None
    df = pd.read_parquet(path)
    return df.drop(columns=["report_year"], errors="ignore")


def _date(v: object) -> dt.date | None:
    if v is None or (not isinstance(v, dt.date) and pd.isna(v)):
        return None
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    try:
        return dt.date.fromisoformat(str(v)[:10])
    except ValueError:
        return None


def report_meta(
    documents: pd.DataFrame, findings: pd.DataFrame, known: dict[str, Unit] | None = None
) -> pd.DataFrame:
    """One row per report: the META_VARIABLES (unit, deadline, days late, findings by severity);
    ``known``: the dataset's units (:func:`nianbao.corpus.placements.read_units`)."""
    docs = documents.drop_duplicates("doc_id").reset_index(drop=True)
    units = units_for((a for a in docs["agency"].dropna().unique() if str(a).strip()), known)
    unit = [units.get(a) if isinstance(a, str) else None for a in docs["agency"]]
    out = pd.DataFrame(
        {
            "doc_id": docs["doc_id"].astype("string"),
            "agency": docs["agency"].astype("string"),
            "unit_key": pd.array([u.key if u else None for u in unit], dtype="string"),
            "level": pd.array([u.level if u else None for u in unit], dtype="string"),
            "kind": pd.array([u.kind if u else None for u in unit], dtype="string"),
            "province": pd.array([u.province if u else None for u in unit], dtype="string"),
            "city": pd.array([u.city if u else None for u in unit], dtype="string"),
            "county": pd.array([u.county if u else None for u in unit], dtype="string"),
            "township": pd.array([u.township if u else None for u in unit], dtype="string"),
            "division": pd.array([getattr(u, "division", None) for u in unit], dtype="string"),
            "township_code": pd.array([getattr(u, "township_code", None) for u in unit], dtype="string"),
            "year": docs["year"].astype("Int64"),
            "template": docs["template"].astype("string"),
            "status": docs["status"].astype("string"),
            "canonical": (
                docs["canonical"].astype("boolean")
                if "canonical" in docs
                else pd.array([None] * len(docs), dtype="boolean")
            ),
            "format": docs["format"].astype("string"),
        }
    )
    published = [_date(v) for v in docs["published"]]
    due = [
        deadline(int(y), u.kind if u else None) if not pd.isna(y) else None
        for y, u in zip(out["year"], unit, strict=True)
    ]
    late = [(p - d).days if p and d else None for p, d in zip(published, due, strict=True)]
    out["published"] = pd.array(published, dtype="object")
    out["deadline"] = pd.array(due, dtype="object")
    out["days_late"] = pd.array(late, dtype="Int64")
    out["on_time"] = pd.array([None if x is None else x <= 0 for x in late], dtype="boolean")
    counts = (
        findings.groupby(["doc_id", "severity"]).size().unstack(fill_value=0)
        if len(findings)
        else pd.DataFrame(index=pd.Index([], name="doc_id"))
    )
    for sev in ("error", "warning", "info"):
        col = counts[sev] if sev in counts.columns else pd.Series(dtype="int64")
        out[f"n_{sev}"] = out["doc_id"].map(col).fillna(0).astype("Int64")
    out["n_findings"] = (out["n_error"] + out["n_warning"] + out["n_info"]).astype("Int64")
    out["source"] = docs["source"].astype("string")
    return out[[v.name for v in META_VARIABLES]]


def load(out: Path, *, sections: bool = False) -> Loaded:
    """Read ``documents``, ``cells`` and ``findings`` of a dataset folder (``sections`` if asked)."""
    out = Path(out)
    if not out.is_dir():
        raise ExportError(f"no dataset folder at {out}")
    documents = _read(out, "documents")
    cells = _read(out, "cells")
    findings = _read(out, "findings", required=False)
    if findings is None:
        findings = pd.DataFrame(columns=["doc_id", "rule", "severity", "table", "row", "col", "message"])
    return Loaded(
        documents=report_meta(documents, findings, read_units(out)),
        cells=cells,
        findings=findings,
        sections=_read(out, "sections", required=False) if sections else None,
    )


def _number_column(values: pd.Series, kind: str) -> pd.Series:
    """Counts as nullable integers where every value is whole; decimals (and odd counts) as floats."""
    v = values.astype("Float64")
    whole = v.dropna()
    if kind == "integer" and bool(((whole % 1) == 0).all()):
        return v.astype("Int64")
    return v


def _unit_column(cells: pd.DataFrame, doc_ids: pd.Series, v: Variable, values: pd.Series) -> pd.Series:
    """Per report, the unit ``v``'s amount is printed in (:func:`nianbao.corpus.codebook.printed_unit`)."""
    mine = cells[(cells["table"] == v.table) & (cells["row"] == v.row) & (cells["col"] == v.col)]
    raw = dict(zip(mine["doc_id"], mine["raw"], strict=True))
    units = [
        None if pd.isna(x) else printed_unit(raw.get(d), v.unit) for d, x in zip(doc_ids, values, strict=True)
    ]
    return pd.Series(pd.array(units, dtype="string"))


def wide_frame(data: Loaded) -> pd.DataFrame:
    """One row per report: its metadata, then one column per standard cell (codebook order)."""
    meta = data.documents
    keyed = by_key()
    cells = data.cells[["doc_id", "table", "row", "col", "value"]]
    names = [keyed.get(k) for k in zip(cells["table"], cells["row"], cells["col"], strict=True)]
    cells = cells.assign(variable=[v.name if v else None for v in names]).dropna(subset=["variable"])
    pivot = cells.pivot_table(
        index="doc_id", columns="variable", values="value", aggfunc="first", dropna=False
    )
    pivot = pivot.reindex(meta["doc_id"])
    units = {u.name.removesuffix(UNIT_SUFFIX): u for u in unit_variables()}
    frame = {}
    for v in cell_variables():
        col = pivot[v.name] if v.name in pivot.columns else pd.Series(float("nan"), index=pivot.index)
        frame[v.name] = _number_column(col.reset_index(drop=True), v.kind)
        if v.name in units:  # the unit the amount is printed in, right after it
            frame[units[v.name].name] = _unit_column(data.cells, meta["doc_id"], v, frame[v.name])
    wide = pd.concat([meta.reset_index(drop=True), pd.DataFrame(frame)], axis=1)
    allvars = variables()
    for h in harmonised_variables():
        result = pd.Series(pd.NA, index=wide.index, dtype="Float64")
        for template in ("2021", "2019"):
            members = [m for m in h.sums if template in allvars[m].templates]
            mask = wide["template"] == template
            if members and mask.any():
                part = wide.loc[mask, members].astype("Float64")
                result[mask.fillna(False)] = part.sum(axis=1, min_count=len(members)).where(
                    part.notna().all(axis=1)
                )
        wide[h.name] = _number_column(result, "integer")
    return wide


def _pandas_types(frame: pd.DataFrame) -> pd.DataFrame:
    """A frame read from DuckDB in the dtypes :func:`wide_frame` gives (nullable numbers and
    strings, dates as dates), so every writer sees one kind of table."""
    out = {}
    for name in frame.columns:
        col = frame[name]
        if pd.api.types.is_bool_dtype(col.dtype) or variables()[name].kind == "boolean":
            out[name] = col.astype("boolean")
        elif pd.api.types.is_datetime64_any_dtype(col.dtype):
            out[name] = pd.array([None if pd.isna(x) else x.date() for x in col], dtype="object")
        elif pd.api.types.is_integer_dtype(col.dtype):
            out[name] = col.astype("Int64")
        elif pd.api.types.is_float_dtype(col.dtype):
            out[name] = col.astype("Float64")
        else:
            out[name] = col.astype("string")
    return pd.DataFrame(out)


def wide_table(dataset: Path) -> pd.DataFrame:
    """:func:`wide_frame` of a dataset folder, computed by DuckDB (the ``reports`` view of
    :mod:`nianbao.corpus.views`, tested equal cell for cell): a few times faster, and the cells are
    never all in memory at once.  Rows by year, body and doc_id."""
    from nianbao.corpus.query import connect

    dataset = Path(dataset)
    if not dataset.is_dir():
        raise ExportError(f"no dataset folder at {dataset}")
    for name in ("documents", "cells"):
        if not dataset_path(dataset, name).exists():
            raise ExportError(
                f"no {name} dataset in {dataset}; run 'nianbao extract ... --out {dataset}' first"
            )
    con = connect(dataset, ["reports"])
    try:
        frame = con.execute("select * from reports order by year, agency, doc_id").df()
    finally:
        con.close()
    return _pandas_types(frame)


def long_frame(data: Loaded, lang: str = "zh") -> pd.DataFrame:
    """One row per printed number, with the report's metadata and the cell's variable and label."""
    keyed = by_key()
    cells = data.cells
    vs = [keyed.get(k) for k in zip(cells["table"], cells["row"], cells["col"], strict=True)]
    long = pd.DataFrame(
        {
            "doc_id": cells["doc_id"].astype("string"),
            "table": cells["table"].astype("string"),
            "row": cells["row"].astype("string"),
            "col": cells["col"].astype("string"),
            "variable": pd.array([v.name if v else None for v in vs], dtype="string"),
            "label": pd.array([v.label(lang) if v else None for v in vs], dtype="string"),
            "value": cells["value"].astype("Float64"),
            "raw": cells["raw"].astype("string"),
            "prov": cells["prov"].astype("string") if "prov" in cells else pd.array([None] * len(cells)),
        }
    )
    meta_cols = ["doc_id", "agency", "unit_key", "level", "kind", "province", "year", "template", "status"]
    long = data.documents[meta_cols].merge(long, on="doc_id", how="inner")
    order = ["table", "row", "col"]
    return long[meta_cols + order + [c for c in long.columns if c not in meta_cols + order]]


# ---------------------------------------------------------------- writers


def _check_destination(to: Path, force: bool, extra: list[Path]) -> None:
    if to.suffix.lower() not in FORMATS:
        raise ExportError(f"--to must end in {', '.join(FORMATS)}, not {to.name}")
    if not to.parent.is_dir():
        raise ExportError(f"no folder {to.parent} for {to.name}: create it first")
    if to.is_dir():
        raise ExportError(f"{to} is a folder")
    if not force:
        for p in (to, *extra):
            if p.exists():
                raise ExportError(f"{p} exists: pass --force to overwrite it")


def codebook_paths(to: Path) -> list[Path]:
    """Where the codebook of a .csv or .parquet export goes."""
    if to.suffix.lower() in (".csv", ".parquet"):
        stem = to.with_suffix("")
        return [stem.with_name(stem.name + ".codebook.csv"), stem.with_name(stem.name + ".codebook.md")]
    return []


def codebook_markdown(book: pd.DataFrame, lang: str) -> str:
    head = "# 变量说明 codebook" if lang == "zh" else "# Codebook"
    cols = ["variable", "label", "type", "unit", "templates", "identity_role", "sums", "values"]
    lines = [head, "", "| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for r in book[cols].itertuples(index=False):
        cells = [str(x).replace("|", "\\|") for x in r]
        cells[0] = f"`{cells[0]}`"
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _stata_frame(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Stata's types: categories with value labels, dates as dates, booleans 0/1, "" for a missing string.

    A value the codebook has no label for keeps itself as its label, so nothing is lost."""
    vs = variables()
    out = {}
    for name in df.columns:
        col, v = df[name], vs.get(name)
        if v is not None and v.kind == "category":
            labels = {val: (zh if lang == "zh" else en) for val, zh, en in v.values}
            seen = [x for x in col.dropna().unique() if x not in labels]
            labels.update({x: str(x) for x in seen})
            cats = list(dict.fromkeys(labels.values()))
            out[name] = pd.Categorical([labels.get(x) if isinstance(x, str) else None for x in col], cats)
        elif v is not None and v.kind == "date":
            out[name] = pd.to_datetime(pd.Series(col, dtype="object"), errors="coerce")
        elif v is not None and v.kind == "boolean":
            out[name] = col.astype("Int8")
        elif pd.api.types.is_numeric_dtype(col.dtype):
            out[name] = col  # nullable integers are written as Stata integers with missing
        else:
            out[name] = col.astype("object").where(col.notna(), "")
    return pd.DataFrame(out)


def _stata_label(text: str) -> str:
    if len(text) <= _STATA_LABEL and len(text.encode("utf-8")) <= 4 * _STATA_LABEL:
        return text
    return text[: _STATA_LABEL - 1] + "…"


def write(
    frame: pd.DataFrame, to: Path, *, lang: str = "zh", force: bool = False, sheet: str = "data"
) -> list[Path]:
    """Write ``frame`` and its codebook to ``to`` (by suffix); returns the files written."""
    to = Path(to)
    extra = codebook_paths(to)
    _check_destination(to, force, extra)
    book = codebook_frame(list(frame.columns), lang)
    suffix = to.suffix.lower()
    if suffix == ".csv":
        frame.to_csv(to, index=False, encoding="utf-8-sig")
    elif suffix == ".parquet":
        frame.to_parquet(to, index=False)
    elif suffix == ".xlsx":
        if len(frame) > EXCEL_MAX_ROWS:
            raise ExportError(
                f"{len(frame):,} rows do not fit an Excel sheet ({EXCEL_MAX_ROWS:,}): "
                "export --wide, or to .csv or .parquet"
            )
        _write_xlsx(frame, book, to, sheet)
    else:
        labels = {n: _stata_label(t) for n, t in zip(book["variable"], book["label"], strict=True)}
        data = _stata_frame(frame, lang)
        dates = {n: "td" for n in frame.columns if variables()[n].kind == "date"}
        title = (
            "政府信息公开工作年度报告" if lang == "zh" else "Government information disclosure annual reports"
        )
        data.to_stata(
            to,
            write_index=False,
            version=118,
            variable_labels=labels,
            convert_dates=dates,
            data_label=title,
        )
    for path in extra:
        if path.suffix == ".csv":
            book.to_csv(path, index=False, encoding="utf-8-sig")
        else:
            path.write_text(codebook_markdown(book, lang), "utf-8")
    return [to, *extra]


def _write_xlsx(frame: pd.DataFrame, book: pd.DataFrame, to: Path, sheet: str) -> None:
    from openpyxl.utils import get_column_letter

    tmp = to.with_name(f".{to.name}.tmp")
    with pd.ExcelWriter(tmp, engine="openpyxl") as xw:
        frame.to_excel(xw, sheet_name=sheet, index=False, freeze_panes=(1, 1))
        book.to_excel(xw, sheet_name="codebook", index=False, freeze_panes=(1, 1))
        ws = xw.sheets[sheet]
        for i, name in enumerate(frame.columns, start=1):
            ws.column_dimensions[get_column_letter(i)].width = max(10, min(40, len(name) + 2))
    tmp.replace(to)


def export(
    dataset: Path, to: Path, *, wide: bool = False, lang: str = "zh", force: bool = False
) -> tuple[int, list[Path]]:
    """Export the dataset at ``dataset`` to ``to``: (rows written, files written)."""
    if lang not in ("zh", "en"):
        raise ExportError(f"--lang must be zh or en, not {lang}")
    to = Path(to)
    _check_destination(to, force, codebook_paths(to))
    frame = wide_table(Path(dataset)) if wide else long_frame(load(Path(dataset)), lang)
    files = write(frame, to, lang=lang, force=force, sheet="reports" if wide else "cells")
    return len(frame), files


__all__ = [
    "LONG_VARIABLES",
    "ExportError",
    "Loaded",
    "export",
    "load",
    "long_frame",
    "report_meta",
    "wide_frame",
    "wide_table",
    "write",
]
