"""The narrative of one report as rows: tokens, facts and tags, for the corpus runner.

The runner calls :func:`narrative_rows` once per document with the section texts (number ->
text, headings excluded) and appends the rows to the datasets ``tokens``, ``facts`` and
``tags``; keywords are computed afterwards over the whole run (``nianbao.normalize.keywords``).
Each text is cleaned once (wrapped lines joined, see ``nianbao.normalize.segment.clean_text``) and
every span in the rows points into the text as given.

Row schemas: ``segment.token_rows`` (tokens), ``facts`` module docstring (facts),
``tags`` module docstring (tags).
"""

from __future__ import annotations

from nianbao.normalize.facts import FACT_COLUMNS, cleaned, section_facts
from nianbao.normalize.segment import TOKEN_COLUMNS, token_rows
from nianbao.normalize.tags import TAG_COLUMNS, section_tags

DATASETS: dict[str, tuple[str, ...]] = {"tokens": TOKEN_COLUMNS, "facts": FACT_COLUMNS, "tags": TAG_COLUMNS}


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
