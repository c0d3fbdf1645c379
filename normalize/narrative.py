"""The narrative of one report as rows: tokens, facts and tags, for the corpus runner.

The runner calls :func:`narrative_rows` once per document with the section texts (number ->
text, headings excluded) and appends the rows to the datasets ``tokens``, ``facts`` and
``tags``; keywords are computed afterwards over the whole run (``normalize.keywords``).
Each text is cleaned once (wrapped lines joined, see ``normalize.segment.clean_text``) and
every span in the rows points into the text as given.

Row schemas: ``segment.token_rows`` (tokens), ``facts`` module docstring (facts),
``tags`` module docstring (tags).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from normalize.facts import FACT_COLUMNS, cleaned, section_facts
from normalize.segment import TOKEN_COLUMNS, token_rows
from normalize.tags import TAG_COLUMNS, section_tags

if TYPE_CHECKING:  # pandas is only needed to build frames, not by extraction workers
    import pandas as pd

DATASETS: dict[str, tuple[str, ...]] = {"tokens": TOKEN_COLUMNS, "facts": FACT_COLUMNS, "tags": TAG_COLUMNS}

# Compact pandas dtypes for the Parquet files (token rows are the bulk: ~1 row per 2 chars).
DTYPES: dict[str, dict[str, str]] = {
    "tokens": {
        "doc_id": "string",
        "section": "int8",
        "paragraph": "int16",
        "position": "int32",
        "start": "int32",
        "token": "string",
        "pos": "string",
    },
    "facts": {
        "doc_id": "string",
        "section": "int8",
        "fact": "int32",
        "key": "string",
        "value": "float64",
        "value_max": "float64",
        "unit": "string",
        "qualifier": "string",
        "negated": "bool",
        "part_of": "Int32",
        "label": "string",
        "raw": "string",
        "sentence": "string",
        "start": "int32",
        "end": "int32",
        "sentence_start": "int32",
        "sentence_end": "int32",
    },
    "tags": {
        "doc_id": "string",
        "section": "int8",
        "unit": "string",
        "index": "int16",
        "tag": "string",
        "label": "string",
        "method": "string",
        "score": "float32",
        "rank": "int8",
        "role": "string",
        "heading": "string",
        "text": "string",
        "start": "int32",
        "end": "int32",
    },
}


def to_frame(dataset: str, rows: list[dict]) -> pd.DataFrame:
    """Rows of one dataset as a DataFrame with its columns in order and compact dtypes."""
    import pandas as pd

    columns = [c for c in DTYPES[dataset] if c in DATASETS[dataset] or (rows and c in rows[0])]
    frame = pd.DataFrame(rows, columns=columns)
    return frame.astype({c: DTYPES[dataset][c] for c in columns})


def narrative_rows(doc_id: str, sections: dict[int, str], *, pos: bool = False) -> dict[str, list[dict]]:
    """Rows for the datasets 'tokens', 'facts', 'tags' of one document (sections: number -> text).

    ``pos=True`` adds a part-of-speech column to the tokens (jieba.posseg, several times slower).
    Facts are numbered across the document (``fact``), and ``part_of`` refers to those numbers.
    """
    out: dict[str, list[dict]] = {"tokens": [], "facts": [], "tags": []}
    for number in sorted(sections):
        text = sections[number] or ""
        if not text.strip():
            continue
        clean = cleaned(text)
        out["tokens"] += token_rows(doc_id, number, text, pos=pos, clean=clean)
        base = len(out["facts"])
        for row in section_facts(doc_id, number, text):
            row["fact"] += base
            if row["part_of"] is not None:
                row["part_of"] += base
            out["facts"].append(row)
        out["tags"] += section_tags(doc_id, number, text, clean=clean)
    return out
