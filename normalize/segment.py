"""Word segmentation of the narrative: one jieba tokenizer per process, with the field's terms.

jieba builds its prefix dictionary on first use (about 0.7 s from its cache, several seconds
without) and writes that cache as a file.  Here the tokenizer is built once per process, on
first call, from jieba's dictionary plus ``data/domain_dict.txt`` so that terms such as
依申请公开, 规范性文件, 三安全一稳定 and 信息处理费 stay one token.  The cache goes to a
per-user directory (``$NIANBAO_CACHE_DIR``, else ``$XDG_CACHE_HOME/nianbao``, else
``~/.cache/nianbao``) rather than the shared temporary directory, and jieba's log lines are
silenced.  A process forked after the build shares the built tokenizer (copy-on-write).

Segmentation runs in rjieba (jieba-rs: jieba's dictionary, DAG and HMM, compiled) when it
is installed, about twenty times faster than jieba and ready in a fifth of a second instead
of jieba's build; ``NIANBAO_SEGMENTER=jieba`` (or rjieba missing) keeps jieba.  The two
give the same tokens but for one thing: a run of letters, digits and ``.-_@`` that is not a
dictionary word (``2020-03-27``, ``www.gov.cn``, ``COVID-19``) stays whole in jieba-rs and is
cut by jieba's HMM stage into ``[A-Za-z0-9]+(\\.\\d+)?%?`` pieces and the marks between them;
:class:`FastTokenizer` cuts it the same way, so the tokens are jieba's (tested on the real
reports and generated ones).  rjieba's process-wide default instance is used (another
instance would hold a second copy of the dictionary), with the domain words added to it.
The part-of-speech tokens (``pos=True``) stay with jieba.posseg, built on first use.

Text from PDFs arrives with hard line wraps and spaces between digits and Chinese
(``2024 年``, ``政\\n府``).  :func:`clean_text` joins wrapped lines and drops such spaces, and
keeps a map from each cleaned character back to the original, so that every span reported
downstream points into the section text exactly as it was given.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import jieba

DATA = resources.files("nianbao.normalize") / "data"
DOMAIN_DICT = "domain_dict.txt"
STOPWORDS = "stopwords.txt"

_lock = threading.RLock()  # jieba_tokenizer may be built under get_tokenizer's hold
_tokenizer: FastTokenizer | jieba.Tokenizer | None = None
_jieba: jieba.Tokenizer | None = None
_startup_seconds: float | None = None
SEGMENTER_ENV = "NIANBAO_SEGMENTER"  # "jieba" keeps jieba even where rjieba is installed


def cache_dir() -> Path:
    """Where jieba's prefix-dictionary cache is kept (created if missing)."""
    env = os.environ.get("NIANBAO_CACHE_DIR")
    if env:
        base = Path(env)
    else:
        xdg = os.environ.get("XDG_CACHE_HOME")
        base = (Path(xdg) if xdg else Path.home() / ".cache") / "nianbao"
    try:
        base.mkdir(parents=True, exist_ok=True)
        if os.access(base, os.W_OK):
            return base
    except OSError:
        pass
    return Path(tempfile.gettempdir())


def domain_words() -> list[str]:
    """The words of the domain dictionary, in file order."""
    text = (DATA / DOMAIN_DICT).read_text(encoding="utf-8")
    return [line.split()[0] for line in text.splitlines() if line.strip() and not line.startswith("#")]


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    """Function words and boilerplate that keywords leave out."""
    text = (DATA / STOPWORDS).read_text(encoding="utf-8")
    return frozenset(w.strip() for w in text.splitlines() if w.strip() and not w.startswith("#"))


def domain_entries() -> list[tuple[str, int | None, str | None]]:
    """(word, frequency, tag) of each line of the domain dictionary, as jieba's user
    dictionary format gives them (frequency and tag optional)."""
    entries = []
    text = (DATA / DOMAIN_DICT).read_text(encoding="utf-8")
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        word, *rest = line.split()
        freq = int(rest[0]) if rest and rest[0].isdigit() else None
        tags = rest[1:] if freq is not None else rest
        entries.append((word, freq, tags[0] if tags else None))
    return entries


_HAN = re.compile("[\u4e00-\u9fd5]")
_HMM_SKIP = re.compile(r"([a-zA-Z0-9]+(?:\.\d+)?%?)")  # jieba.finalseg's re_skip


class FastTokenizer:
    """jieba's tokens by rjieba: ``cut(text)`` as ``jieba.Tokenizer.cut(text)`` (accurate mode, HMM on)."""

    _words_added = False  # to rjieba's default instance, once per process

    def __init__(self) -> None:
        import rjieba

        self._rjieba = rjieba
        with _lock:
            if not FastTokenizer._words_added:
                for word, freq, tag in domain_entries():
                    rjieba.add_word(word, freq, tag)
                FastTokenizer._words_added = True

    def cut(self, text: str) -> list[str]:
        words = self._rjieba.cut(text, True)
        out: list[str] = []
        for word in words:
            if len(word) > 1 and not word.isalnum() and not _HAN.search(word):
                pieces = [p for p in _HMM_SKIP.split(word) if p]
                if len(pieces) > 1 and not self._rjieba.has_word(word):
                    out.extend(pieces)  # as jieba's HMM stage cuts a run that is no word
                    continue
            out.append(word)
        return out


def _build_jieba() -> jieba.Tokenizer:
    import jieba  # imported only when used: its import alone costs ~0.4 s (pkg_resources)

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.tmp_dir = str(cache_dir())
    tokenizer.initialize()
    with resources.as_file(DATA / DOMAIN_DICT) as path:
        tokenizer.load_userdict(str(path))
    return tokenizer


def use_rjieba() -> bool:
    """Whether this process segments with rjieba (installed, and not turned off)."""
    if os.environ.get(SEGMENTER_ENV, "").strip().lower() == "jieba":
        return False
    try:
        import rjieba  # noqa: F401
    except ImportError:
        return False
    return True


def get_tokenizer() -> FastTokenizer | jieba.Tokenizer:
    """The process's tokenizer, built on first call (thread-safe): anything with
    ``cut(text)`` giving jieba's tokens."""
    global _tokenizer, _startup_seconds
    if _tokenizer is None:
        with _lock:
            if _tokenizer is None:
                started = time.perf_counter()
                _tokenizer = FastTokenizer() if use_rjieba() else jieba_tokenizer()
                _startup_seconds = time.perf_counter() - started
    return _tokenizer


def jieba_tokenizer() -> jieba.Tokenizer:
    """jieba itself with the domain dictionary, built on first call (for part-of-speech tags,
    and wherever rjieba is not used)."""
    global _jieba
    if _jieba is None:
        with _lock:
            if _jieba is None:
                _jieba = _build_jieba()
    return _jieba


def startup_seconds() -> float | None:
    """Seconds the build took in the process that built it (None before the first call)."""
    return _startup_seconds


@lru_cache(maxsize=1)
def _pos_tokenizer():
    import jieba.posseg

    return jieba.posseg.POSTokenizer(jieba_tokenizer())


# ----------------------------------------------------------------- cleaning with an offset map

_WS = " \t\r\f\v\u3000\u00a0\u2002\u2003\u200b\ufeff"
_PAGE_FOOTER = re.compile(r"^[\s\-—–_]*(?:第\s*)?\d{1,3}\s*(?:页)?(?:\s*/\s*\d{1,3})?[\s\-—–_]*$")
_TERMINAL = tuple("。！？!?；;：:")
_MARKER = re.compile(
    r"^\s*(?:[（(][一二三四五六七八九十\d]{1,3}[)）]|[一二三四五六七八九十]{1,3}[、.．]|\d{1,2}[、.．](?!\d))"
)
_ASCII_ALNUM = re.compile(r"[A-Za-z0-9]")
# a line starting so continues the one before: a unit after a number, closing punctuation
_UNIT_START = re.compile(r"[余多万亿]?(?:条|件|个|次|元|万元|篇|期|场|项|家|名|人|起|份|%|％)")
_CLOSE_START = re.compile(r"[，,、。；;：:）)」』”’》]")


@dataclass(frozen=True, slots=True)
class CleanText:
    """Text with wrapped lines joined and stray spaces dropped; ``offsets[i]`` is where the
    cleaned character ``i`` stood in the original (one extra entry: the original length)."""

    text: str
    offsets: tuple[int, ...]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original span of cleaned characters ``start:end`` (end exclusive)."""
        if end <= start:
            return self.offsets[start], self.offsets[start]
        return self.offsets[start], self.offsets[end - 1] + 1


def _lines(text: str) -> list[tuple[int, str]]:
    out, pos = [], 0
    for line in text.split("\n"):
        out.append((pos, line))
        pos += len(line) + 1
    return out


def clean_text(text: str) -> CleanText:
    """Join hard-wrapped lines into paragraphs (one per ``\\n``), drop page footers and spaces
    next to Chinese characters, and keep the map back to ``text``."""
    lines = [(pos, line) for pos, line in _lines(text) if not _PAGE_FOOTER.match(line) or not line.strip()]
    lengths = sorted(len(line.strip(_WS)) for _, line in lines if line.strip(_WS))
    typical = lengths[int(0.9 * (len(lengths) - 1))] if len(lengths) >= 4 else 0
    chars: list[str] = []
    offsets: list[int] = []
    prev_full = False  # the previous content line ran to the full width and did not end a sentence
    prev_digit = False  # the previous content line ended in a digit (351 | 件)
    for pos, line in lines:
        stripped = line.strip(_WS)
        if not stripped:
            prev_full = prev_digit = False
            if chars and chars[-1] != "\n":
                chars.append("\n")
                offsets.append(pos)
            continue
        glued = (prev_digit and _UNIT_START.match(stripped)) or _CLOSE_START.match(stripped)
        if chars and chars[-1] != "\n" and not glued and not (prev_full and not _MARKER.match(stripped)):
            chars.append("\n")
            offsets.append(pos - 1)
        lead = len(line) - len(line.lstrip(_WS))
        for i, ch in enumerate(stripped):
            if ch in _WS:
                continue
            chars.append(ch)
            offsets.append(pos + lead + i)
        prev_full = typical >= 15 and len(stripped) >= 0.8 * typical and not stripped.endswith(_TERMINAL)
        prev_digit = stripped[-1].isdigit()
    _keep_ascii_spaces(text, chars, offsets)
    while chars and chars[-1] == "\n":
        chars.pop()
        offsets.pop()
    offsets.append(len(text))
    return CleanText("".join(chars), tuple(offsets))


def _keep_ascii_spaces(text: str, chars: list[str], offsets: list[int]) -> None:
    """Put back a single space where one stood between two ASCII letters or digits (``OA 系统``
    loses its space, ``1 0 0`` and ``Open Data`` keep theirs)."""
    i = 1
    while i < len(chars):
        a, b = chars[i - 1], chars[i]
        gap = offsets[i] - offsets[i - 1]
        if (
            gap > 1
            and _ASCII_ALNUM.match(a)
            and _ASCII_ALNUM.match(b)
            and text[offsets[i - 1] + 1 : offsets[i]].strip(_WS) == ""
        ):
            chars.insert(i, " ")
            offsets.insert(i, offsets[i - 1] + 1)
            i += 1
        i += 1


def paragraphs(clean: CleanText) -> Iterator[tuple[int, int, int]]:
    """(index, start, end) of each paragraph in the cleaned text."""
    start = 0
    for index, para in enumerate(clean.text.split("\n")):
        yield index, start, start + len(para)
        start += len(para) + 1


# ------------------------------------------------------------------------------- tokens

_SKIP = re.compile(r"^[\s\W_]+$")  # whitespace and punctuation only
TOKEN_COLUMNS = ("doc_id", "section", "paragraph", "position", "start", "token")  # + "pos" when asked


def cut(text: str) -> list[str]:
    """The tokens of a short text (accurate mode, HMM on), as jieba gives them."""
    return list(get_tokenizer().cut(text))


def token_rows(
    doc_id: str, section: int, text: str, *, pos: bool = False, clean: CleanText | None = None
) -> list[dict]:
    """One row per word of a section: doc_id, section, paragraph, position (within the
    paragraph, punctuation skipped), start (offset in ``text``), token (and pos if asked)."""
    clean = clean or clean_text(text)
    rows: list[dict] = []
    for index, start, end in paragraphs(clean):
        para = clean.text[start:end]
        if not para:
            continue
        if pos:
            pairs = ((p.word, p.flag) for p in _pos_tokenizer().cut(para))
        else:
            pairs = ((w, None) for w in get_tokenizer().cut(para))
        offset = start
        position = 0
        for word, flag in pairs:
            at = offset
            offset += len(word)
            if _SKIP.match(word):
                continue
            row = {
                "doc_id": doc_id,
                "section": section,
                "paragraph": index,
                "position": position,
                "start": clean.offsets[at],
                "token": word,
            }
            if pos:
                row["pos"] = flag
            rows.append(row)
            position += 1
    return rows
