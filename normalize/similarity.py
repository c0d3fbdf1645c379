"""Near-duplicate narratives: character shingles, exact Jaccard, and a MinHash LSH index
so that a year's thousands of reports are compared without scoring every pair.

Text is folded before shingling: NFKC, no spaces or punctuation, every digit run
replaced by ``0`` — a report copied with this year's numbers typed in is still a copy.
The index only proposes candidates; each candidate's similarity is the exact Jaccard
of the two shingle sets, so the figure reported is not a MinHash estimate.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping

from datasketch import MinHash, MinHashLSH

SHINGLE = 5
NUM_PERM = 128
_DROP = re.compile(r"[\W_]+", re.UNICODE)
_DIGITS = re.compile(r"\d+")


def fold(text: str) -> str:
    """The text as compared: NFKC, no spaces or punctuation, digit runs as 0."""
    s = unicodedata.normalize("NFKC", text or "")
    return _DIGITS.sub("0", _DROP.sub("", s))


def shingles(text: str, k: int = SHINGLE) -> frozenset[str]:
    """The set of ``k``-character substrings of the folded text."""
    s = fold(text)
    if len(s) < k:
        return frozenset({s}) if s else frozenset()
    return frozenset(s[i : i + k] for i in range(len(s) - k + 1))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def _minhash(sh: Iterable[str]) -> MinHash:
    m = MinHash(num_perm=NUM_PERM)
    m.update_batch([s.encode("utf-8") for s in sh])
    return m


def near_duplicates(
    texts: Mapping[str, str], threshold: float, *, min_chars: int = 200
) -> list[tuple[str, str, float]]:
    """Pairs ``(a, b, similarity)`` with ``a < b`` whose exact Jaccard ≥ ``threshold``.

    Texts shorter than ``min_chars`` after folding are left out: "无。" is not a copy.
    Candidates come from a MinHash LSH index built at a slightly lower threshold so
    that estimate noise does not hide true pairs.
    """
    sets = {k: shingles(t) for k, t in texts.items() if len(fold(t)) >= min_chars}
    lsh = MinHashLSH(threshold=max(0.05, threshold - 0.1), num_perm=NUM_PERM)
    hashes = {}
    for k, sh in sets.items():
        hashes[k] = _minhash(sh)
        lsh.insert(k, hashes[k])
    pairs = set()
    for k, m in hashes.items():
        for other in lsh.query(m):
            if other != k:
                pairs.add((min(k, other), max(k, other)))
    out = []
    for a, b in sorted(pairs):
        sim = jaccard(sets[a], sets[b])
        if sim >= threshold:
            out.append((a, b, sim))
    return out
