"""Keywords per section, weighted against the documents of the run."""

from __future__ import annotations

import os

import pandas as pd

from nianbao.normalize.keywords import KEYWORD_COLUMNS, corpus_keywords


def frame(docs: dict[str, list[str]]) -> pd.DataFrame:
    rows = [
        {"doc_id": d, "section": 1, "paragraph": 0, "position": i, "start": i, "token": t}
        for d, tokens in docs.items()
        for i, t in enumerate(tokens)
    ]
    return pd.DataFrame(rows)


def test_words_every_document_repeats_sink() -> None:
    common = ["政务公开", "政务公开", "政务公开"]
    docs = {f"d{i}": [*common, "政务新媒体"] for i in range(30)}
    docs["d0"] = [*common, "信息处理费", "信息处理费"]
    kw = corpus_keywords(frame(docs), top=3)
    assert list(kw.columns) == list(KEYWORD_COLUMNS)
    first = kw[kw["doc_id"] == "d0"]
    assert first.iloc[0]["token"] == "信息处理费"
    assert first.iloc[0]["df"] == 1
    assert list(first["rank"]) == [1, 2]


def test_stopwords_numbers_and_single_characters_are_left_out() -> None:
    kw = corpus_keywords(frame({"a": ["的", "其中", "40", "条", "2024年", "依申请公开"]}))
    assert list(kw["token"]) == ["依申请公开"]


def test_top_limits_rows_per_section() -> None:
    tokens = [f"词语{chr(0x4E00 + i)}" for i in range(20)]
    kw = corpus_keywords(frame({"a": tokens, "b": tokens[:5]}), top=4)
    assert kw.groupby("doc_id").size().to_dict() == {"a": 4, "b": 4}


def test_empty_input() -> None:
    assert corpus_keywords(frame({})).empty


def test_dataset_keywords_equal_the_in_memory_ones(tmp_path) -> None:
    """`nianbao extract` writes keywords over the whole tokens dataset, out of core."""
    import shutil
    from pathlib import Path

    from nianbao.corpus.keywords import write_keywords
    from nianbao.corpus.run import run_extract

    real = Path(__file__).parent / "fixtures" / "real"
    inputs = tmp_path / "in"
    inputs.mkdir()
    for name in ("2024_yiyuan_kejiju.txt", "2019_shanghai_szfbgt.html"):
        shutil.copy(real / name, inputs / name)
    out = tmp_path / "out"
    summary = run_extract([inputs], out, jobs=1)
    assert summary.keywords and summary.keywords > 0
    written = pd.read_parquet(out / "keywords.parquet")
    expected = corpus_keywords(pd.read_parquet(out / "tokens.parquet"))
    key = ["doc_id", "section", "rank"]
    assert (
        written.sort_values(key)[["doc_id", "section", "rank", "token"]]
        .reset_index(drop=True)
        .equals(expected.sort_values(key)[["doc_id", "section", "rank", "token"]].reset_index(drop=True))
    )
    assert write_keywords(out, top=3) <= len(written)
    assert pd.read_parquet(out / "keywords.parquet")["rank"].max() == 3
    again = run_extract([inputs], out, jobs=1)  # nothing changed: keywords are not recomputed
    assert again.keywords is None
    os.utime(inputs / "2024_yiyuan_kejiju.txt", ns=(1, 1))  # touched, same bytes
    touched = run_extract([inputs], out, jobs=1)
    assert touched.unchanged == 1 and touched.documents == 0 and touched.keywords is None
