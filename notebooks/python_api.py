# %% [markdown]
# # The Python API in a notebook
#
# Everything here goes through `import nianbao`: a dataset folder written by
# `nianbao extract` opened as DataFrames, its wide table, and one report read in place.
#
# Run it as a script (`python notebooks/python_api.py out/`) or open it in Jupyter
# with jupytext (percent format).

# %%
import sys

import pandas as pd

import nianbao

DATASET = sys.argv[1] if len(sys.argv) > 1 and not sys.argv[1].startswith("-") else "out"
ds = nianbao.open(DATASET)
print(ds, len(ds.documents), "reports,", len(ds.cells), "cells,", len(ds.findings), "findings")

# %% [markdown]
# ## One row per report: requests received, granted in full, and refused
# `wide()` has one column per standard cell (`t3_new_total`: 表三 一 本年新收 总计);
# `h_t3_den_total` adds up the eight refusal reasons. Blank cells are missing, never 0.

# %%
wide = ds.wide()
cols = ["agency", "level", "year", "t3_new_total", "t3_granted_total", "h_t3_den_total", "on_time"]
with pd.option_context("display.width", 200, "display.max_columns", 20):
    print(wide[cols].sort_values(["agency", "year"]).to_string(index=False))

# %% [markdown]
# ## Findings, worst first

# %%
findings = ds.findings.merge(ds.documents[["doc_id", "agency", "year"]], on="doc_id")
errors = findings[findings["severity"] == "error"][["agency", "year", "rule", "message"]]
print(errors.to_string(index=False, max_colwidth=90))

# %% [markdown]
# ## One report, read in place (nothing written)

# %%
source = ds.documents.sort_values("source")["source"].iloc[0]
report = nianbao.convert(source)
print(report.agency, report.year, report.template, report.status, len(report.cells), "cells")
print("requests received:", report.value("t3", "new_received", "total"))
