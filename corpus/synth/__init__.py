"""Generator of realistic annual reports with known truth (``nianbao synth``).

``generate(n, out, ...)`` writes DOCX, PDF, HTML and TXT reports into ``out/`` and one
truth line per document into ``out/truth.jsonl`` (schema in :mod:`nianbao.corpus.synth.truth`).
"""

from .generate import ALL_FORMATS, FORMATS, generate

__all__ = ["ALL_FORMATS", "FORMATS", "generate"]
