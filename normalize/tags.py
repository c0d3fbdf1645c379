"""Tags on the narrative: the parts of sections 一 and 六, the problems of section 五.

The national format asks section 一 (总体情况) to cover 主动公开, 依申请公开, 政府信息管理,
平台建设 and 监督保障, and section 六 (其他需要报告的事项) to cover 信息处理费, the follow-up of
last year's 工作要点, 建议提案办理 and 创新实践.  Most reports give each a sub-heading
(``（一）主动公开方面``, ``1、主动公开方面``), inline after a full stop in flattened text; some
run them together as prose.  A part is tagged by its heading's words where it has one (method
``heading``), else by the words of its text (method ``keywords``).

Section 五 (存在的主要问题及改进情况) is tagged sentence by sentence against a small taxonomy,
and each sentence gets a role: ``problem`` (self-criticism) or ``measure`` (what will be done).

One row per (unit, tag)::

    doc_id, section     document, section number (1, 5, 6)
    unit, index         "part" or "sentence", and its ordinal within the section
    tag, label          English key and the Chinese name (see data/narrative_tags.toml)
    method              heading | keywords | default (nothing matched: the scheme's default tag)
    score               1.0 for a heading; else the number of keyword hits
    rank                1 for the unit's main tag, 2… for further tags it also matches
    role                section 五 only: problem | measure | None
    heading             the sub-heading text, when the part has one
    text                the unit's text (cleaned)
    start, end          span of the unit in the section text as given
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from nianbao.normalize.segment import CleanText, clean_text

TAG_COLUMNS = (
    "doc_id",
    "section",
    "unit",
    "index",
    "tag",
    "label",
    "method",
    "score",
    "rank",
    "role",
    "heading",
    "text",
    "start",
    "end",
)

# Sub-heading markers, by style; a section uses one style for its parts.
_MARKERS: dict[str, str] = {
    "paren_cn": r"[（(][一二三四五六七八九十]{1,3}[)）][、.．]?",
    "cn": r"[一二三四五六七八九十]{1,3}[、．]",
    "arabic": r"\d{1,2}[、．.](?!\d)",
    "paren_arabic": r"[（(]\d{1,2}[)）]",
}
_BOUNDARY = r"(?:^|(?<=[。！？!?；;\n]))[ \t\u3000]*"
_HEADING_END = re.compile(r"[。：:！？!?；;\n]")
_HEADING_MAX = 40
_HEADING_WORD_END = re.compile(r"^.{2,30}?(?:方面|情况)(?!的)")  # a heading run into its body ends here
_SENTENCE = re.compile(r"[^。！？!?；;：:\n]+[。！？!?；;：:]*")


@dataclass(frozen=True, slots=True)
class _Tag:
    key: str
    label: str
    heading: re.Pattern[str] | None
    words: re.Pattern[str]


@dataclass(frozen=True, slots=True)
class _Scheme:
    name: str
    section: int
    unit: str
    default: str  # the tag of what no heading or word matched
    default_label: str
    tags: tuple[_Tag, ...]


@dataclass(frozen=True, slots=True)
class _Config:
    schemes: dict[int, _Scheme]
    problem_heading: re.Pattern[str]
    measure_heading: re.Pattern[str]
    problem: re.Pattern[str]
    measure: re.Pattern[str]


@lru_cache(maxsize=1)
def config() -> _Config:
    """The tag schemes of ``data/narrative_tags.toml``, compiled."""
    raw = tomllib.loads(
        (resources.files("nianbao.normalize") / "data" / "narrative_tags.toml").read_text("utf-8")
    )
    schemes = {}
    for name, s in raw["schemes"].items():
        tags = tuple(
            _Tag(
                key=t["key"],
                label=t["label"],
                heading=re.compile(t["heading"]) if t.get("heading") else None,
                words=re.compile(t["words"]),
            )
            for t in raw["tag"]
            if t["scheme"] == name
        )
        schemes[s["section"]] = _Scheme(name, s["section"], s["unit"], s["default"], s["default_label"], tags)
    roles = raw["roles"]
    return _Config(
        schemes=schemes,
        problem_heading=re.compile(roles["problem_heading"]),
        measure_heading=re.compile(roles["measure_heading"]),
        problem=re.compile(roles["problem"]),
        measure=re.compile(roles["measure"]),
    )


def _by_heading(heading: str, tags: tuple[_Tag, ...]) -> _Tag | None:
    best: tuple[int, int] | None = None
    found = None
    for order, tag in enumerate(tags):
        m = tag.heading.search(heading) if tag.heading else None
        if m and (best is None or (m.start(), order) < best):
            best, found = (m.start(), order), tag
    return found


def _by_words(text: str, tags: tuple[_Tag, ...]) -> list[tuple[_Tag, int]]:
    """Tags whose words occur in ``text``, most hits first (ties: scheme order)."""
    scored = [(tag, len(tag.words.findall(text))) for tag in tags]
    return sorted((ts for ts in scored if ts[1] > 0), key=lambda ts: -ts[1])


def _headings(text: str, tags: tuple[_Tag, ...]) -> list[tuple[int, int, str]]:
    """(marker start, heading end, heading text) of the sub-headings of one marker style:
    the first style whose heading names one of the tags."""
    for style in _MARKERS.values():
        found = []
        for m in re.finditer(_BOUNDARY + f"(?:{style})", text):
            rest = text[m.end() : m.end() + _HEADING_MAX]
            stop = _HEADING_END.search(rest)
            heading = rest[: stop.start()] if stop else rest
            cut = _HEADING_WORD_END.match(heading)
            heading = cut.group() if cut else heading
            found.append((m.start() + len(m.group()) - len(m.group().lstrip(" \t\u3000")), heading))
        if any(_by_heading(h, tags) for _, h in found):
            return [(start, start, h) for start, h in found]
    return []


def _row(doc_id, section, unit, index, tag, label, method, score, rank, role, heading, text, span) -> dict:
    return {
        "doc_id": doc_id,
        "section": section,
        "unit": unit,
        "index": index,
        "tag": tag,
        "label": label,
        "method": method,
        "score": float(score),
        "rank": rank,
        "role": role,
        "heading": heading,
        "text": text,
        "start": span[0],
        "end": span[1],
    }


def _part_rows(doc_id: str, section: int, clean: CleanText, scheme: _Scheme) -> list[dict]:
    text = clean.text
    parts: list[tuple[int, int, str | None]] = []  # start, end, heading
    heads = _headings(text, scheme.tags)
    if heads:
        bounds = [h[0] for h in heads] + [len(text)]
        parts += [(bounds[i], bounds[i + 1], heads[i][2]) for i in range(len(heads))]
        units = parts
        preamble = (0, bounds[0]) if text[: bounds[0]].strip() else None
    else:
        units = _sentence_runs(text, scheme)
        preamble = None
    rows: list[dict] = []
    if preamble is not None:  # the lead-in before the first sub-heading speaks of the whole
        body = text[preamble[0] : preamble[1]].strip()
        rows.append(
            _row(
                doc_id,
                section,
                "part",
                0,
                scheme.default,
                scheme.default_label,
                "default",
                0.0,
                1,
                None,
                None,
                body,
                clean.span(*preamble),
            )
        )
    for index, (start, end, heading) in enumerate(units, start=len(rows)):
        body = text[start:end].strip()
        if not body:
            continue
        tag = _by_heading(heading, scheme.tags) if heading else None
        if tag is not None:
            key, label, method, score = tag.key, tag.label, "heading", 1.0
        elif scored := _by_words(body, scheme.tags):
            key, label, method, score = scored[0][0].key, scored[0][0].label, "keywords", scored[0][1]
        else:
            key, label, method, score = scheme.default, scheme.default_label, "default", 0.0
        span = clean.span(start, end)
        rows.append(
            _row(doc_id, section, "part", index, key, label, method, score, 1, None, heading, body, span)
        )
    return rows


def _sentence_runs(text: str, scheme: _Scheme) -> list[tuple[int, int, str | None]]:
    """Parts of a section without sub-headings: sentences tagged by words (an untagged
    sentence continues the part before it), runs of one tag joined."""
    runs: list[tuple[int, int, str | None]] = []
    current: str | None = None
    for m in _SENTENCE.finditer(text):
        if not m.group().strip():
            continue
        scored = _by_words(m.group(), scheme.tags)
        tag = scored[0][0].key if scored else current
        if runs and tag == current:
            runs[-1] = (runs[-1][0], m.end(), None)
        else:
            runs.append((m.start(), m.end(), None))
            current = tag
    return runs


def _sentence_rows(doc_id: str, section: int, clean: CleanText, scheme: _Scheme) -> list[dict]:
    cfg = config()
    text = clean.text
    rows: list[dict] = []
    state: str | None = None
    index = 0
    for m in _SENTENCE.finditer(text):
        sentence = m.group().strip()
        if not sentence:
            continue
        short = len(sentence) <= 20
        if short and cfg.problem_heading.search(sentence):
            state = "problem"  # 存在的主要问题及改进情况 announces problems first
        elif short and cfg.measure_heading.search(sentence):
            state = "measure"
        if cfg.measure.search(sentence):
            state = role = "measure"
        elif state == "measure":
            role = "measure"
        elif cfg.problem.search(sentence):
            role = "problem"
        else:
            role = state
        span = clean.span(m.start(), m.end())
        scored = _by_words(sentence, scheme.tags)
        if not scored:
            rows.append(
                _row(
                    doc_id,
                    section,
                    "sentence",
                    index,
                    scheme.default,
                    scheme.default_label,
                    "default",
                    0.0,
                    1,
                    role,
                    None,
                    sentence,
                    span,
                )
            )
        for rank, (tag, score) in enumerate(scored, start=1):
            rows.append(
                _row(
                    doc_id,
                    section,
                    "sentence",
                    index,
                    tag.key,
                    tag.label,
                    "keywords",
                    score,
                    rank,
                    role,
                    None,
                    sentence,
                    span,
                )
            )
        index += 1
    return rows


def section_tags(doc_id: str, section: int, text: str, *, clean: CleanText | None = None) -> list[dict]:
    """Tag rows of one section (sections without a scheme give none)."""
    scheme = config().schemes.get(section)
    if scheme is None or not text.strip():
        return []
    clean = clean or clean_text(text)
    if scheme.unit == "sentence":
        return _sentence_rows(doc_id, section, clean, scheme)
    return _part_rows(doc_id, section, clean, scheme)
