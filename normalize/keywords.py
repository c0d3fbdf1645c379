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

import math
import re
from functools import lru_cache
from importlib import resources

import pandas as pd

from normalize.segment import stopwords

KEYWORD_COLUMNS = ("doc_id", "section", "rank", "token", "count", "tf", "df", "idf", "score")
_NOT_WORD = re.compile(r"^[\d\W_a-zA-Z]+$|\d")


@lru_cache(maxsize=1)
def jieba_idf() -> tuple[dict[str, float], float]:
    """jieba's IDF table and its median."""
    text = (resources.files("jieba") / "analyse" / "idf.txt").read_text("utf-8")
    table: dict[str, float] = {}
    for line in text.splitlines():
        word, _, value = line.rpartition(" ")
        if word:
            table[word] = float(value)
    values = sorted(table.values())
    return table, values[len(values) // 2]


def corpus_keywords(tokens: pd.DataFrame, top: int = 10, *, prior_docs: float = 10.0) -> pd.DataFrame:
    """Per (doc_id, section) keywords weighted by TF-IDF over the documents of the run.

    ``tokens`` has at least the columns doc_id, section, token (the 'tokens' dataset).
    Returns one row per keyword: doc_id, section, rank (1 = best), token, count, tf, df, idf, score.
    """
    if tokens.empty:
        return pd.DataFrame(columns=list(KEYWORD_COLUMNS))
    stop = stopwords()
    words = tokens[["doc_id", "section", "token"]]
    keep = (
        words["token"].str.len().ge(2) & ~words["token"].isin(stop) & ~words["token"].str.contains(_NOT_WORD)
    )
    words = words[keep]
    if words.empty:
        return pd.DataFrame(columns=list(KEYWORD_COLUMNS))
    counts = words.groupby(["doc_id", "section", "token"], sort=False).size().rename("count").reset_index()
    totals = counts.groupby(["doc_id", "section"])["count"].transform("sum")
    counts["tf"] = counts["count"] / totals
    n_docs = words["doc_id"].nunique()
    df = words.drop_duplicates(["doc_id", "token"]).groupby("token").size().rename("df")
    counts = counts.join(df, on="token")
    idf_run = (((1 + n_docs) / (1 + counts["df"])).map(math.log) + 1) / (math.log(1 + n_docs) + 1)
    table, _ = jieba_idf()
    bg_max = max(table.values())
    bg = counts["token"].map(table)
    a = n_docs / (n_docs + prior_docs)
    counts["idf"] = (a * idf_run + (1 - a) * bg / bg_max).where(bg.notna(), idf_run)
    counts["score"] = counts["tf"] * counts["idf"]
    counts = counts.sort_values(["doc_id", "section", "score", "token"], ascending=[True, True, False, True])
    counts["rank"] = counts.groupby(["doc_id", "section"]).cumcount() + 1
    out = counts[counts["rank"] <= top]
    return out[list(KEYWORD_COLUMNS)].reset_index(drop=True)
