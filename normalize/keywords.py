"""Keywords per (document, section), weighted by TF-IDF over the documents of the run.

Term frequency is a word's share of the section's kept words.  Inverse document frequency is
computed over the documents of the run (a document is a ``doc_id``): words that every report
repeats (政务公开, 信息公开) sink, words peculiar to a report rise.  With few documents that
measure says little, so it is blended with jieba's general-language IDF (its ``idf.txt``):

    idf(w) = a * idf_run(w) / idf_run_max + (1 - a) * idf_jieba(w) / idf_jieba_max,
    a = N / (N + prior_docs)

with ``idf_run(w) = ln((1 + N) / (1 + df(w))) + 1`` (N documents, df(w) documents containing
w).  The run dominates once it holds more than ``prior_docs`` documents (default 10).  Words
jieba's table lacks (the field's own terms: 依申请公开, 信息处理费) have no general-language
evidence and take the run's IDF alone.
Stop words (``data/stopwords.txt``), numbers, punctuation and one-character words are left out.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from nianbao.normalize.segment import stopwords

if TYPE_CHECKING:
    import pandas as pd

KEYWORD_COLUMNS = ("doc_id", "section", "rank", "token", "count", "tf", "df", "idf", "score")


# Kept words: no digit, and a letter that is not Latin (RE2 classes, as DuckDB reads them).
_KEEP_SQL = r"""
    length(token) >= 2
    and not regexp_matches(token, '\p{Nd}')
    and regexp_matches(regexp_replace(token, '[a-zA-Z]', '', 'g'), '\pL')
    and token not in (select word from stop)
"""

_KEYWORDS_SQL = """
with words as (
    select doc_id, section, token from tokens where {keep}
),
n as (select count(distinct doc_id) as n_docs from words),
counts as (
    select doc_id, section, token, count(*) as count from words group by all
),
df as (
    select token, count(distinct doc_id) as df from words group by token
),
scored as (
    select c.doc_id, c.section, c.token, c.count,
           c.count / sum(c.count) over (partition by c.doc_id, c.section) as tf,
           d.df,
           (ln((1 + n.n_docs) / (1 + d.df)) + 1) / (ln(1 + n.n_docs) + 1) as idf_run,
           b.idf / (select max(idf) from background) as idf_bg,
           n.n_docs / (n.n_docs + {prior_docs}) as a
    from counts c join df d using (token) cross join n
    left join background b using (token)
),
ranked as (
    select doc_id, section, token, count, tf, df,
           case when idf_bg is null then idf_run else a * idf_run + (1 - a) * idf_bg end as idf
    from scored
)
select doc_id, section,
       row_number() over (partition by doc_id, section order by tf * idf desc, token) as rank,
       token, count, tf, df, idf, tf * idf as score
from ranked
qualify rank <= {top}
order by doc_id, section, rank
"""


def keywords_query(tokens_source: str, top: int = 10, *, prior_docs: float = 10.0) -> str:
    """The DuckDB query of the keywords over ``tokens_source`` (a table name or read_parquet(...))."""
    sql = _KEYWORDS_SQL.format(keep=_KEEP_SQL, top=int(top), prior_docs=float(prior_docs))
    return sql.replace("from tokens where", f"from {tokens_source} where", 1)


def connect_keywords(con) -> None:
    """Register the stop words and jieba's background IDF on a DuckDB connection.

    DuckDB reads jieba's ``idf.txt`` itself, so the 350,000-word table never becomes
    Python objects.
    """
    idf_file = Path(str(resources.files("jieba") / "analyse" / "idf.txt")).as_posix().replace("'", "''")
    con.execute("create or replace temp table stop (word varchar)")
    con.executemany("insert into stop values (?)", [(w,) for w in sorted(stopwords())])
    con.sql(
        f"""create or replace temp view background as
        select token, idf from read_csv('{idf_file}', delim = ' ', header = false, quote = '', escape = '',
                                        columns = {{'token': 'VARCHAR', 'idf': 'DOUBLE'}})"""
    )


def corpus_keywords(tokens: pd.DataFrame, top: int = 10, *, prior_docs: float = 10.0) -> pd.DataFrame:
    """Per (doc_id, section) keywords weighted by TF-IDF over the documents of the run.

    ``tokens`` has at least the columns doc_id, section, token (the 'tokens' dataset).
    Returns one row per keyword: doc_id, section, rank (1 = best), token, count, tf, df, idf, score.
    The same query runs over a whole Parquet dataset in ``nianbao.corpus.keywords``, out of core.
    """
    import duckdb
    import pandas as pd

    if tokens.empty:
        return pd.DataFrame(columns=list(KEYWORD_COLUMNS))
    con = duckdb.connect()
    connect_keywords(con)
    con.register("tokens_in", tokens[["doc_id", "section", "token"]])
    out = con.sql(keywords_query("tokens_in", top, prior_docs=prior_docs)).df()
    return out[list(KEYWORD_COLUMNS)].reset_index(drop=True)
