# %% [markdown]
# # The usual questions through the views
#
# `nianbao.open(DIR)` (and `nianbao query DIR`) give views for what researchers and
# oversight bodies ask first, so no join over the long tables is written by hand:
# `reports` (one row per report, the `export --wide` table), `requests` (表三 with the
# form's labels), `refusals`, `reviews_lawsuits` and `labels` (the codebook).
#
# Run it as a script (`python notebooks/views.py out/`) or open it in Jupyter with
# jupytext (percent format).

# %%
import sys

import pandas as pd

import nianbao

DATASET = sys.argv[1] if len(sys.argv) > 1 and not sys.argv[1].startswith("-") else "out"
ds = nianbao.open(DATASET)
pd.set_option("display.width", 200, "display.max_columns", 20)

# %% [markdown]
# ## Reports by level: requests received and the share published on time
# `on_time` is missing where a report prints no date; `avg` leaves those out.

# %%
by_level = ds.sql(
    """
    select level, count(*) as reports, sum(t3_new_total)::bigint as requests,
           round(avg(on_time::int), 2) as on_time_share, count(on_time) as dated
    from reports where status <> 'failed' group by level order by reports desc
    """
)
print(by_level)

# %% [markdown]
# ## Why requests were not granted (总计 column), with the form's wording

# %%
reasons = ds.sql(
    """
    select grp_zh, row_zh, sum(value)::bigint as requests, count(value) as reports
    from refusals where applicant = 'total'
    group by all having sum(value) > 0 order by requests desc
    """
)
print(reasons)

# %% [markdown]
# ## Administrative reconsideration and lawsuits: how often the body was corrected
# A share over few cases says little: the counts stay beside it.

# %%
corrected = ds.sql(
    """
    select proceeding_zh, sum(corrected)::bigint as corrected, sum(total)::bigint as total,
           round(sum(corrected) / nullif(sum(total), 0), 3) as share
    from reviews_lawsuits group by all order by total desc
    """
)
print(corrected)

# %% [markdown]
# ## Reports whose table 三 does not add up, with the cells' labels
# A finding names the rule and the cell; `labels` says what the cell holds.

# %%
broken = ds.sql(
    """
    select r.agency, r.year, f.rule, f.row, f.col, l.label_zh
    from findings f
    join reports r using (doc_id)
    left join labels l on l."table" = f."table" and l.row = f.row and l.col = f.col
    where f.rule like 't3.%' order by r.agency, f.rule, f.col
    """
)
print(broken.to_string(index=False))

# %% [markdown]
# ## One body over the years, as one row per report

# %%
cols = ["agency", "year", "published", "days_late", "t3_new_total", "t3_processed_total", "n_error"]
print(ds.view("reports")[cols].sort_values(["agency", "year"]).to_string(index=False))
