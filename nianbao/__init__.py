"""nianbao: government information disclosure annual reports (政府信息公开工作年度报告) as data.

    import nianbao
    report = nianbao.convert("report.pdf")     # one report: .cells, .sections, .findings, .agency ...
    ds = nianbao.open("out")                   # a folder written by 'nianbao extract'
    ds.documents, ds.cells, ds.findings        # the datasets as pandas DataFrames
    ds.wide()                                  # one row per report, one column per standard cell
    ds.sql("select * from findings")           # DuckDB over every dataset
    ds.view("requests")                        # reports, requests, refusals, reviews_lawsuits, labels

The library behind it lives in the packages ``extract`` (bytes to documents),
``normalize`` (standard cells, validation) and ``corpus`` (batch runs, exports).
"""

from __future__ import annotations

from importlib import metadata as _metadata

from corpus.api import Dataset, Report, convert, open_dataset

try:
    __version__ = _metadata.version("nianbao")
except _metadata.PackageNotFoundError:  # run from a source tree that is not installed
    __version__ = "0.0.0"

open = open_dataset  # nianbao.open(DIR), as in the docs
read = convert

__all__ = ["Dataset", "Report", "__version__", "convert", "open", "open_dataset", "read"]
