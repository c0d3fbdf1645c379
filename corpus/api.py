"""The Python API for notebooks: one report read in place, or a dataset folder opened.

    import nianbao
    r = nianbao.convert("2024_yiyuan_kejiju.txt")   # one report, nothing written
    r.agency, r.year, r.cells, r.findings          # metadata and DataFrames
    ds = nianbao.open("out")                        # a folder written by 'nianbao extract'
    ds.wide()                                       # one row per report (see nianbao.corpus.codebook)
    ds.sql("select year, count(*) from documents group by 1")
    ds.sql("select province, sum(t3_new_total) from reports group by 1")   # nianbao.corpus.views
    ds.view("refusals")                             # a convenience view as a DataFrame

The DataFrames have the columns of the datasets (``cells``: doc_id, table, row, col,
value, raw, prov; ``findings``: rule, severity, message ...), so code written against
one report runs on a whole dataset.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import duckdb
import pandas as pd

from nianbao.corpus.export import Loaded, load, long_frame, report_meta, wide_frame
from nianbao.corpus.store import SCHEMAS, dataset_path
from nianbao.corpus.views import DERIVED, mentioned


def _frame(rows: list[dict], name: str) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=SCHEMAS[name].names)


@dataclass
class Report:
    """One report as nianbao reads it: metadata as attributes, the rest as DataFrames."""

    doc_id: str
    source: str
    format: str
    status: str  # ok | partial | failed
    error: str | None
    agency: str | None
    year: int | None
    template: str
    published: dt.date | None
    pages: int | None
    cells: pd.DataFrame = field(repr=False)
    sections: pd.DataFrame = field(repr=False)
    findings: pd.DataFrame = field(repr=False)

    def value(self, table: str, row: str, col: str) -> float | None:
        """The number of one standard cell (None where blank or absent)."""
        c = self.cells
        hit = c[(c["table"] == table) & (c["row"] == row) & (c["col"] == col)]
        if hit.empty or pd.isna(hit["value"].iloc[0]):
            return None
        return float(hit["value"].iloc[0])

    def _loaded(self) -> Loaded:
        doc = pd.DataFrame(
            [
                {
                    "doc_id": self.doc_id,
                    "source": self.source,
                    "format": self.format,
                    "status": self.status,
                    "agency": self.agency,
                    "year": self.year,
                    "template": self.template,
                    "published": self.published,
                }
            ]
        )
        return Loaded(report_meta(doc, self.findings), self.cells, self.findings)

    def wide(self) -> pd.DataFrame:
        """This report as one row of the wide export."""
        return wide_frame(self._loaded())

    def long(self, lang: str = "zh") -> pd.DataFrame:
        """This report's cells with their variable names and labels."""
        return long_frame(self._loaded(), lang)


def convert(path: str | Path) -> Report:
    """Read, map and validate one report file (any format nianbao reads); nothing is written.

    A file that cannot be read gives a report with ``status == 'failed'`` and ``error``."""
    from nianbao.corpus.run import report_rows
    from nianbao.normalize.pipeline import process

    path = Path(path)
    data = path.read_bytes()
    rows = report_rows(process(data, str(path)))
    doc = rows["documents"][0]
    return Report(
        doc_id=doc["doc_id"],
        source=doc["source"],
        format=doc["format"],
        status=doc["status"],
        error=doc["error"],
        agency=doc["agency"],
        year=doc["year"],
        template=doc["template"],
        published=doc["published"],
        pages=doc["pages"],
        cells=_frame(rows["cells"], "cells"),
        sections=_frame(rows["sections"], "sections"),
        findings=_frame(rows["findings"], "findings"),
    )


class Dataset:
    """A folder written by ``nianbao extract``: its datasets as DataFrames, read when first used."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        if not dataset_path(self.path, "documents").exists():
            raise FileNotFoundError(f"no documents dataset in {self.path}: run 'nianbao extract' first")

    def __repr__(self) -> str:
        return f"nianbao.Dataset({str(self.path)!r})"

    def read(self, name: str) -> pd.DataFrame:
        """Any dataset of the folder by name (tokens, facts, units, reviews ...)."""
        path = dataset_path(self.path, name)
        if not path.exists():
            raise FileNotFoundError(f"no {name} dataset in {self.path}")
        return pd.read_parquet(path).drop(columns=["report_year"], errors="ignore")

    @cached_property
    def documents(self) -> pd.DataFrame:
        return self.read("documents")

    @cached_property
    def cells(self) -> pd.DataFrame:
        return self.read("cells")

    @cached_property
    def findings(self) -> pd.DataFrame:
        return self.read("findings")

    @cached_property
    def sections(self) -> pd.DataFrame:
        return self.read("sections")

    @cached_property
    def _loaded(self) -> Loaded:
        return load(self.path)

    @cached_property
    def reports(self) -> pd.DataFrame:
        """One row per report: body, unit (level, kind, province), deadline, days late, findings."""
        return self._loaded.documents

    def wide(self) -> pd.DataFrame:
        """One row per report, one column per standard cell (the ``export --wide`` table)."""
        return wide_frame(self._loaded)

    def long(self, lang: str = "zh") -> pd.DataFrame:
        """One row per printed number, with the report's metadata and the cell's label."""
        return long_frame(self._loaded, lang)

    def connect(self, views: Iterable[str] = DERIVED) -> duckdb.DuckDBPyConnection:
        """A DuckDB connection with one view per dataset and the convenience views
        (reports, requests, refusals, reviews_lawsuits, labels), as ``nianbao query``."""
        from nianbao.corpus.query import connect

        return connect(self.path, views)

    def sql(self, query: str) -> pd.DataFrame:
        """DuckDB SQL over the views documents, cells, findings ..., reports, requests ... as a DataFrame."""
        con = self.connect(mentioned(query))
        try:
            return con.sql(query).df()
        finally:
            con.close()

    def view(self, name: str) -> pd.DataFrame:
        """One convenience view as a DataFrame: reports, requests, refusals, reviews_lawsuits or labels."""
        if name not in DERIVED:
            raise ValueError(f"no convenience view {name!r}; one of {', '.join(DERIVED)}")
        return self.sql(f'select * from "{name}"')

    def export(
        self, to: str | Path, *, wide: bool = False, lang: str = "zh", force: bool = False
    ) -> list[Path]:
        """``nianbao export``: the files written."""
        from nianbao.corpus.export import export

        return export(self.path, Path(to), wide=wide, lang=lang, force=force)[1]

    def report(self, out: str | Path, **options) -> Path:
        """``nianbao report``: the self-contained HTML page, written to ``out``."""
        from nianbao.corpus.report_page import write_report

        return write_report(self.path, Path(out), **options)


def open_dataset(path: str | Path) -> Dataset:
    """Open a folder written by ``nianbao extract``."""
    return Dataset(path)
