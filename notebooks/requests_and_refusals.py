# %% [markdown]
# # Requests, refusals and lawsuits across agencies
#
# A first look at a dataset written by `nianbao extract`: how many information requests
# each body received, how they were answered, why some were refused, how many ended in
# administrative review or court, and which reports do not add up.
#
# Run it as a script (`python notebooks/requests_and_refusals.py out/`) or open it in
# Jupyter with jupytext (percent format). It reads only the Parquet datasets, through DuckDB.

# %%
import sys
from pathlib import Path

import duckdb

DATASET = Path(sys.argv[1] if len(sys.argv) > 1 and not sys.argv[1].startswith("-") else "out")
con = duckdb.connect()
for name in ("documents", "cells", "findings"):
    con.sql(
        f"create view {name} as select * from read_parquet('{DATASET / name}.parquet/**/*.parquet', union_by_name=true)"
    )

# %% [markdown]
# ## Requests received and how they were answered (table 三, 总计 column)

# %%
answered = con.sql(
    """
    select d.agency, d.year,
           max(value) filter (where row = 'new_received')    as received,
           max(value) filter (where row = 'granted')         as granted,
           max(value) filter (where row = 'partial')         as partial,
           sum(value) filter (where row like 'denied.%')     as denied,
           sum(value) filter (where row like 'unable.%')     as unable,
           sum(value) filter (where row like 'rejected.%')   as rejected,
           max(value) filter (where row = 'total_processed') as processed
    from cells c join documents d using (doc_id)
    where c."table" = 't3' and c.col = 'total' and d.status <> 'failed'
    group by d.agency, d.year
    order by received desc nulls last
    """
).df()
print(answered.to_string(index=False))

# %% [markdown]
# ## Why requests were refused (不予公开), all reports together

# %%
reasons = con.sql(
    """
    select row as reason, sum(value) as requests
    from cells where "table" = 't3' and col = 'total' and row like 'denied.%'
    group by row order by requests desc
    """
).df()
print(reasons.to_string(index=False))

# %% [markdown]
# ## Administrative review and lawsuits (table 四)

# %%
litigation = con.sql(
    """
    select d.agency, d.year,
           max(value) filter (where col = 'review.total')                  as reviews,
           max(value) filter (where col = 'review.corrected')              as reviews_corrected,
           max(value) filter (where col = 'litigation_direct.total')       as suits_direct,
           max(value) filter (where col = 'litigation_after_review.total') as suits_after_review
    from cells c join documents d using (doc_id)
    where c."table" = 't4'
    group by d.agency, d.year order by reviews desc nulls last
    """
).df()
print(litigation.to_string(index=False))

# %% [markdown]
# ## Reports whose numbers do not add up

# %%
broken = con.sql(
    """
    select d.agency, d.year, f.rule, f.row, f.col, f.expected, f.actual
    from findings f join documents d using (doc_id)
    where f.severity = 'error'
    order by d.agency, f.rule
    """
).df()
print(broken.to_string(index=False))
