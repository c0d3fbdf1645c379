"""``nianbao report DIR --out report.html``: one static page an oversight body hands on.

The page is one file with everything inlined (styles, script, the Vega-Lite chart
library from the ``vl-convert-python`` package, the data as JSON), so it opens from a
USB stick with no server and no network.  Chinese, with an English toggle.

What the page computes, it computes in the browser from the data below, so the filters
(year, province, level, kind, rule) change every chart and table, and a CSV of each
table is exactly the rows shown.  What goes into the data:

* one record per report: body, unit (level, kind, province), year, template, status,
  publication date, the 条例 第四十九条 deadline and days late, the compliance checks
  (on time, complete, arithmetic, copied text, fee statement), and the headline counts
  of 表三 and 表四 (requests, outcomes, refusal reasons, reviews, lawsuits);
* every finding with its message and where its number was printed (``cells.prov``:
  page + bbox in PDF points from the top-left corner, element path, or line range), and
  for a PDF still on disk a cropped picture of that place;
* every cell of every report, for the page per body (its reports side by side).

Text from documents reaches the page only as JSON inside a ``<script
type="application/json">`` (``<``, ``>`` and ``&`` escaped) and is put into the page as
text nodes, never as markup: a ``<script>`` printed in a report stays text.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
import os
import re
from functools import cache
from importlib import resources
from pathlib import Path

import pandas as pd

from nianbao.corpus.codebook import by_key, cell_variables
from nianbao.corpus.export import ExportError, load, wide_frame
from nianbao.normalize.rules import RULES

MIN_REQUESTS = 20  # a rate over fewer requests is shown with its count, never ranked
MIN_PEERS = 3  # a peer group with fewer rankable bodies is not ranked
MAX_CROPS = 400  # pictures of printed cells (findings' cells of PDFs), at most
ARITHMETIC = ("t3.balance", "t3.outcome_sum", "t3.row_total", "t4.group_total", "crossyear.carry")
_BBOX = re.compile(r"^p(\d+) bbox=([\d.]+),([\d.]+),([\d.]+),([\d.]+)")


class ReportError(ExportError):
    """A report page that cannot be written."""


@cache
def vega_bundle() -> str:
    """Vega, Vega-Lite and vega-embed as one script (window.vegaEmbed), from vl-convert.

    Bundling takes vl-convert a few seconds, so the result is kept in the user's cache
    folder, one file per vl-convert version."""
    import vl_convert

    version = getattr(vl_convert, "__version__", "0")
    home = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    cached = home / "nianbao" / f"vega-bundle-{version}.js"
    try:
        js = cached.read_text("utf-8")
    except OSError:
        js = vl_convert.javascript_bundle()
        try:
            cached.parent.mkdir(parents=True, exist_ok=True)
            tmp = cached.with_name(f".{cached.name}.{os.getpid()}.tmp")
            tmp.write_text(js, "utf-8")
            tmp.replace(cached)
        except OSError:  # a read-only home: bundle again next time
            pass
    if "window.vegaEmbed" not in js:  # a cache file cut short: not ours to trust
        js = vl_convert.javascript_bundle()
    return js.replace("</script", "<\\/script")


def _asset(name: str) -> str:
    return resources.files("nianbao.corpus").joinpath(f"data/report/{name}").read_text("utf-8")


def _json_for_script(obj: object) -> str:
    """JSON that can sit inside <script type=application/json> whatever text it holds."""
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for ch, esc in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(ch, esc)
    return text


def _clean(v: object) -> object:
    """A JSON value: None for missing, int for whole numbers, ISO text for dates."""
    if v is None or v is pd.NA or (isinstance(v, float) and v != v):
        return None
    if isinstance(v, bool):
        return v
    if isinstance(v, (dt.date, dt.datetime)):
        return v.isoformat()[:10]
    if hasattr(v, "item"):  # numpy scalars
        v = v.item()
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v


def _sum(row: pd.Series, names: list[str]) -> float | None:
    vals = [row[n] for n in names if not pd.isna(row[n])]
    return float(sum(vals)) if vals else None


def _finding_cell(table: object, row: object, col: object) -> tuple[str, str, str] | None:
    """The cell a finding points at: a column identity at its total row, a group at its total."""
    row = row if isinstance(row, str) else None
    col = col if isinstance(col, str) else None
    if not isinstance(table, str) or not (row or col):  # a whole table (missing, say): no one cell
        return None
    if table == "t3":
        return ("t3", row or "total_processed", col or "total")
    if table == "t4" and col:
        return ("t4", "count", col if "." in col else f"{col}.total")
    if row and col:
        return (table, row, col)
    return None


def _crop(source: str, prov: str, cache_docs: dict) -> str | None:
    """A PNG (data URI) of the printed cell at ``prov`` ('p3 bbox=x0,top,x1,bottom') of a PDF."""
    m = _BBOX.match(prov or "")
    if not m or not source or not Path(source).is_file():
        return None
    try:
        import pypdfium2 as pdfium

        pdf = cache_docs.get(source)
        if pdf is None:
            pdf = cache_docs[source] = pdfium.PdfDocument(source)
        page = pdf[int(m.group(1)) - 1]
        w, h = page.get_size()
        x0, top, x1, bottom = (float(m.group(i)) for i in range(2, 6))
        pad = 6.0
        crop = (max(0, x0 - pad), max(0, h - bottom - pad), max(0, w - x1 - pad), max(0, top - pad))
        image = page.render(scale=2, crop=crop).to_pil()
        buf = io.BytesIO()
        image.save(buf, format="PNG", optimize=True)
        return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()
    except Exception:  # a picture is a courtesy: a file that moved or changed costs only it
        return None


def build_data(dataset: Path, *, crops: bool = True) -> dict:
    """Everything the page shows, as plain JSON-able data."""
    data = load(dataset)
    wide = wide_frame(data)
    findings = data.findings
    cells = data.cells
    keyed = by_key()
    variables = list(cell_variables())
    var_index = {v.name: i for i, v in enumerate(variables)}

    rules_by_doc: dict[str, set[str]] = {}
    for d, r in zip(findings["doc_id"], findings["rule"], strict=True):
        rules_by_doc.setdefault(d, set()).add(r)
    errors_by_doc: dict[str, set[str]] = {}
    for d, r, s in zip(findings["doc_id"], findings["rule"], findings["severity"], strict=True):
        if s == "error":
            errors_by_doc.setdefault(d, set()).add(r)

    denied = [
        v.name for v in variables if v.table == "t3" and v.col == "total" and v.row.startswith("denied.")
    ]
    group = {
        g: [v.name for v in variables if v.table == "t3" and v.col == "total" and v.row.startswith(g + ".")]
        for g in ("denied", "unable", "rejected", "other")
    }
    group["other"] += ["t3_oth_total"]
    docs = []
    for _, w in wide.iterrows():
        doc_id = w["doc_id"]
        rules = rules_by_doc.get(doc_id, set())
        read = w["status"] != "failed"
        fee_applies = (
            w["template"] == "2021" or (not pd.isna(w["year"]) and int(w["year"]) >= 2021)
        ) and read
        rec = {
            "id": doc_id,
            "agency": _clean(w["agency"]),
            "key": _clean(w["unit_key"]) or _clean(w["agency"]) or doc_id[:12],
            "level": _clean(w["level"]),
            "kind": _clean(w["kind"]),
            "province": _clean(w["province"]),
            "year": _clean(w["year"]),
            "template": _clean(w["template"]),
            "status": _clean(w["status"]),
            "format": _clean(w["format"]),
            "published": _clean(w["published"]),
            "deadline": _clean(w["deadline"]),
            "days_late": _clean(w["days_late"]),
            "on_time": _clean(w["on_time"]),
            "complete": None
            if not read
            else not any(r.startswith("complete.") for r in rules) and w["status"] == "ok",
            "arithmetic": None if not read else not (errors_by_doc.get(doc_id, set()) & set(ARITHMETIC)),
            "original": None if not read else not any(r.startswith("copy.") for r in rules),
            "fee": (None if not fee_applies else "fee.statement_missing" not in rules),
            "n_error": _clean(w["n_error"]),
            "n_warning": _clean(w["n_warning"]),
            "n_info": _clean(w["n_info"]),
            "requests": _clean(w["t3_new_total"]),
            "processed": _clean(w["t3_processed_total"]),
            "granted": _clean(w["t3_granted_total"]),
            "partial": _clean(w["t3_partial_total"]),
            **{g: _clean(_sum(w, names)) for g, names in group.items()},
            "reasons": {v: _clean(w[v]) for v in denied if not pd.isna(w[v])},
            "reviews": _clean(w["t4_review_total"]),
            "reviews_corrected": _clean(w["t4_review_corrected"]),
            "suits": _clean(_sum(w, ["t4_suit_direct_total", "t4_suit_after_total"])),
            "suits_corrected": _clean(_sum(w, ["t4_suit_direct_corrected", "t4_suit_after_corrected"])),
            "source": _clean(w["source"]),
        }
        docs.append(rec)

    sources = dict(zip(wide["doc_id"], wide["source"], strict=True))
    formats = dict(zip(wide["doc_id"], wide["format"], strict=True))
    # plain lists: iterating Arrow-backed columns value by value is slow
    names = ("doc_id", "table", "row", "col", "value", "raw", "prov")
    columns = [cells[n].tolist() if n in cells else [None] * len(cells) for n in names]
    rows = list(zip(*columns, strict=True))
    prov_of = {(d, t, r, c): p for d, t, r, c, _v, _raw, p in rows}
    raw_of = {(d, t, r, c): raw for d, t, r, c, _v, raw, _p in rows}
    pdfs: dict = {}
    n_crops = 0
    found = []
    order = {"error": 0, "warning": 1, "info": 2}
    fsort = findings.assign(_o=findings["severity"].map(order)).sort_values(["_o", "rule"], kind="stable")
    for f in fsort.itertuples(index=False):
        cell = _finding_cell(f.table, f.row, f.col)
        key = (f.doc_id, *cell) if cell else None
        prov = prov_of.get(key) if key else None
        section = getattr(f, "section", None)
        rec = {
            "id": _clean(getattr(f, "finding_id", None)),
            "doc": f.doc_id,
            "rule": f.rule,
            "severity": f.severity,
            "message": _clean(f.message),
            "cell": ".".join(cell) if cell else None,
            "variable": keyed[cell].name if cell and cell in keyed else None,
            "raw": _clean(raw_of.get(key)) if key else None,
            "where": _clean(prov),
            "section": _clean(section),
            "expected": _clean(getattr(f, "expected", None)),
            "actual": _clean(getattr(f, "actual", None)),
        }
        if crops and prov and formats.get(f.doc_id) == "pdf" and n_crops < MAX_CROPS:
            pic = _crop(str(sources.get(f.doc_id) or ""), str(prov), pdfs)
            if pic:
                rec["crop"] = pic
                n_crops += 1
        found.append(rec)
    for pdf in pdfs.values():
        pdf.close()

    by_doc: dict[str, list] = {}
    for d, t, r, c, v, raw, p in rows:
        var = keyed.get((t, r, c))
        if var is not None:
            by_doc.setdefault(d, []).append([var_index[var.name], _clean(v), _clean(raw), _clean(p)])

    return {
        "meta": {
            "dataset": str(Path(dataset)),
            "generated": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "min_requests": MIN_REQUESTS,
            "min_peers": MIN_PEERS,
        },
        "docs": docs,
        "findings": found,
        "rules": {r.id: {"severity": r.severity, "description": r.description} for r in RULES.values()},
        "variables": [
            {"name": v.name, "zh": v.label_zh, "en": v.label_en, "table": v.table} for v in variables
        ],
        "cells": by_doc,
    }


def render(data: dict) -> str:
    """The page: the template with its styles, scripts and data inlined."""
    parts = {
        "STYLE": _asset("page.css"),
        "VEGA": vega_bundle(),
        "APP": _asset("page.js").replace("</script", "<\\/script"),
        "DATA": _json_for_script(data),
    }
    # one pass over the template: the inlined texts are not searched for marks themselves
    return re.sub(r"/\*(STYLE|VEGA|APP|DATA)\*/", lambda m: parts[m.group(1)], _asset("page.html"))


def write_report(dataset: Path, out: Path, *, force: bool = True, crops: bool = True) -> Path:
    """Build the page for ``dataset`` and write it to ``out`` (the folder must exist)."""
    out = Path(out)
    if out.suffix.lower() not in (".html", ".htm"):
        raise ReportError(f"--out must end in .html, not {out.name}")
    if not out.parent.is_dir():
        raise ReportError(f"no folder {out.parent} for {out.name}: create it first")
    if out.exists() and not force:
        raise ReportError(f"{out} exists: pass --force to overwrite it")
    html = render(build_data(Path(dataset), crops=crops))
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_text(html, "utf-8")
    tmp.replace(out)
    return out
