"""Numbers stated in the narrative, as facts a validator can hold against the tables.

A report's prose restates its tables and adds counts the tables lack: 主动公开政府信息40条，
其中规范性文件1件…; 收到政府信息公开申请1件; 承办人大建议1件、政协提案1件; 未收取信息处理费.
Each number with a unit becomes one fact row::

    doc_id, section, fact        document, part (1…6), ordinal of the fact in the document
    key                          what is counted (``requests.received``, ``review.total`` …;
                                 ``other`` when the words name nothing known)
    value, value_max, unit       the number (value_max only for ranges 10至20件); unit 条/件/元/次/个…,
                                 amounts in 元 (3.8万元 -> 38000 元)
    qualifier                    None | approx (约, 左右) | more_than (余, 多, 超过) | range |
                                 change (较上年增加5件: value signed) | same_as_last_year (持平)
    negated                      True when the zero comes from a negation (无…, 未…), not a digit
    part_of                      the ``fact`` of the total this is a part of (after 其中), else None
    label                        the words just before the number that name what it counts
    raw                          the matched text as printed
    sentence                     the sentence (as cleaned: wrapped lines joined)
    start, end                   span of ``raw`` in the section text as given
    sentence_start, sentence_end span of the sentence in the section text as given

Keys are decided by the patterns in ``data/narrative_facts.toml`` (Chinese stays there).
What is not a count: years and dates (2024年, 1月1日: 年/月/日 are not units), ordinals
(第二十条), phone numbers and postcodes (no unit), document numbers (国办函〔2020〕109号: 号 is not
a unit), and Chinese numerals that no pattern can name (一件事一次办, 九个集中攻坚).
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from nianbao.normalize.chinese_numerals import CHINESE_NUMERAL_CHARS, parse_number
from nianbao.normalize.segment import CleanText, clean_text

FACT_COLUMNS = (
    "doc_id",
    "section",
    "fact",
    "key",
    "value",
    "value_max",
    "unit",
    "qualifier",
    "negated",
    "part_of",
    "label",
    "raw",
    "sentence",
    "start",
    "end",
    "sentence_start",
    "sentence_end",
)

# Fact key -> the standard table cells (table, row, col) whose sum it states, for a validator
# to compare (2021 and 2019 templates alike unless noted).  Only mappings that hold by
# definition are listed; litigation facts are the sum of the two 行政诉讼 groups of table 四.
_OUTCOMES = ("upheld", "corrected", "other", "pending", "total")
FACT_TO_CELL: dict[str, tuple[tuple[str, str, str], ...]] = {
    "requests.received": (("t3", "new_received", "total"),),
    "requests.carried_over": (("t3", "carried_over", "total"),),
    "requests.processed": (("t3", "total_processed", "total"),),
    "requests.carried_forward": (("t3", "carried_forward", "total"),),
    "requests.received.natural_person": (("t3", "new_received", "natural_person"),),
    **{f"review.{o}": (("t4", "count", f"review.{o}"),) for o in _OUTCOMES},
    **{
        f"litigation.{o}": (
            ("t4", "count", f"litigation_direct.{o}"),
            ("t4", "count", f"litigation_after_review.{o}"),
        )
        for o in _OUTCOMES
    },
}
# Same subject, different basis: the prose counts documents *published* this year, table 二
# (template 2021) counts documents *issued* this year.  A mismatch is worth a warning, not an
# error (the seed report says 规范性文件1件 where its table says 0).
FACT_TO_CELL_WEAK: dict[str, tuple[tuple[str, str, str], ...]] = {
    "proactive.normative_doc": (("t2", "normative_doc", "issued"),),
    "proactive.regulation": (("t2", "regulation", "issued"),),
}

_CLAUSE = "，,、;；:：()（）《》“”\"'"
_CLAUSE_RE = re.compile(f"[{re.escape(_CLAUSE)}]")
_STRONG_CLAUSE_RE = re.compile(r"[，,;；:：]")
_AFTER_STOP_RE = re.compile(r"[，,、;；:：()（）]")
_SENTENCE_RE = re.compile(r"[^。！？!?\n]+[。！？!?]*")
_ARABIC = r"\d+(?:,\d{3})*(?:\.\d+)?"
_CN = f"[{CHINESE_NUMERAL_CHARS}]+"
_LABEL_TRIM = re.compile(r"^(?:其中|另有|另|共计|共|合计|累计|全年|年内|本年度?|含|包括|以及|及|和|与)+")
# characters that, right after a unit, show the unit is part of another word
_UNIT_NOT_BEFORE = {
    "条": "例款",
    "部": "分门署委",
    "期": "间限",
    "个": "别",
    "人": "大民员们",
    "项": "目",
    "家": "庭长",
    "场": "所景",
    "份": "额",
    "名": "单称义",
    "起": "草诉来",
}


@dataclass(frozen=True, slots=True)
class _Rule:
    key: str
    all: tuple[re.Pattern[str], ...]
    not_: re.Pattern[str] | None
    units: tuple[str, ...]
    negatable: bool = False

    def matches(self, context: str, unit: str | None) -> bool:
        if unit is not None and self.units and unit not in self.units:
            return False
        if self.not_ is not None and self.not_.search(context):
            return False
        return all(p.search(context) for p in self.all)


@dataclass(frozen=True, slots=True)
class _Config:
    rules: tuple[_Rule, ...]
    parts: dict[str, tuple[_Rule, ...]]
    quantity: re.Pattern[str]
    zero: re.Pattern[str]
    unit_scale: dict[str, tuple[str, float]]
    approx_before: re.Pattern[str]
    more_than_before: re.Pattern[str]
    ordinal_before: re.Pattern[str]
    distributive: re.Pattern[str]
    change_cue: re.Pattern[str]
    change_up: re.Pattern[str]
    change_down: re.Pattern[str]
    same: re.Pattern[str]
    negation: re.Pattern[str]
    negation_not: re.Pattern[str]
    parts_cue: re.Pattern[str]
    more_than_after: str
    approx_after: str


def _rule(entry: dict) -> _Rule:
    return _Rule(
        key=entry["key"],
        all=tuple(re.compile(p) for p in entry["all"]),
        not_=re.compile(entry["not"]) if entry.get("not") else None,
        units=tuple(entry.get("units", ())),
        negatable=bool(entry.get("negatable", False)),
    )


@lru_cache(maxsize=1)
def config() -> _Config:
    """The fact patterns of ``data/narrative_facts.toml``, compiled."""
    raw = tomllib.loads(
        (resources.files("nianbao.normalize") / "data" / "narrative_facts.toml").read_text("utf-8")
    )
    units = sorted({*raw["units"], *raw["unit_scale"]}, key=len, reverse=True)
    unit_alt = "|".join(
        re.escape(u) + (f"(?![{_UNIT_NOT_BEFORE[u]}])" if u in _UNIT_NOT_BEFORE else "") for u in units
    )
    num = f"(?:{_ARABIC}|{_CN})"
    quantity = re.compile(
        rf"(?<![0-9A-Za-z.\-/_])(?P<num>{num})(?:(?P<sep>至|到|-|~|～|—)(?P<num2>{num}))?"
        rf"(?P<mult>[万亿](?=[余多]?(?:{unit_alt})))?(?P<more>{raw['more_than_after']})?"
        rf"(?P<unit>{unit_alt})(?P<approx>{raw['approx_after']})?"
    )
    parts: dict[str, list[_Rule]] = {}
    for entry in raw.get("part", []):
        parts.setdefault(entry["parent"], []).append(_rule(entry))
    return _Config(
        rules=tuple(_rule(e) for e in raw["fact"]),
        parts={g: tuple(r) for g, r in parts.items()},
        quantity=quantity,
        zero=re.compile(r"(?<=为)(?P<num>0|零)(?![0-9.%])"),
        unit_scale={k: (v[0], float(v[1])) for k, v in raw["unit_scale"].items()},
        approx_before=re.compile(f"(?:{raw['approx_before']})$"),
        more_than_before=re.compile(f"(?:{raw['more_than_before']})$"),
        ordinal_before=re.compile(f"(?:{raw['ordinal_before']})$"),
        distributive=re.compile(raw["distributive"]),
        change_cue=re.compile(raw["change_cue"]),
        change_up=re.compile(raw["change_up"]),
        change_down=re.compile(raw["change_down"]),
        same=re.compile(raw["same_as_last_year"]),
        negation=re.compile(raw["negation"]),
        negation_not=re.compile(raw["negation_not"]),
        parts_cue=re.compile(raw["parts_cue"]),
        more_than_after=raw["more_than_after"],
        approx_after=raw["approx_after"],
    )


class _FoldTable(dict):
    """``str.translate`` table: a character's NFKC form where that is one character
    (full-width digits, letters, %), computed once per character met."""

    def __missing__(self, code: int) -> str:
        ch = chr(code)
        n = unicodedata.normalize("NFKC", ch)
        out = self[code] = n if len(n) == 1 and ch not in "，；：（）" else ch
        return out


_FOLD = _FoldTable()


def _fold(text: str) -> str:
    """Full-width digits, letters and % to ASCII, character by character (length kept)."""
    return text.translate(_FOLD)


@dataclass(slots=True)
class _Quantity:
    start: int
    end: int
    value: float
    value_max: float | None
    unit: str | None
    qualifier: str | None
    arabic: bool


@dataclass(slots=True)
class _Fact:
    key: str
    q: _Quantity
    label: str
    negated: bool = False
    parent: _Fact | None = None


def _quantities(sentence: str, offset: int, cfg: _Config) -> list[_Quantity]:
    found: list[_Quantity] = []
    for m in cfg.quantity.finditer(sentence):
        before = sentence[: m.start()]
        if cfg.ordinal_before.search(before):
            continue
        value = parse_number(m.group("num"))
        if value is None:
            continue
        value_max = parse_number(m.group("num2")) if m.group("num2") else None
        if m.group("num2") and value_max is None:
            continue
        unit = m.group("unit")
        scale = 1.0
        if m.group("mult"):
            scale *= 10_000 if m.group("mult") == "万" else 100_000_000
        if unit in cfg.unit_scale:
            unit, factor = cfg.unit_scale[unit]
            scale *= factor
        qualifier = None
        if value_max is not None:
            qualifier = "range"
        elif m.group("more") or cfg.more_than_before.search(before):
            qualifier = "more_than"
        elif m.group("approx") or cfg.approx_before.search(before):
            qualifier = "approx"
        arabic = bool(re.match(r"\d", m.group("num")))
        found.append(
            _Quantity(
                start=offset + m.start(),
                end=offset + m.end(),
                value=value * scale,
                value_max=None if value_max is None else value_max * scale,
                unit=unit,
                qualifier=qualifier,
                arabic=arabic,
            )
        )
    for m in cfg.zero.finditer(sentence):
        if any(q.start <= offset + m.start() < q.end for q in found):
            continue
        found.append(_Quantity(offset + m.start(), offset + m.end(), 0.0, None, None, None, True))
    found.sort(key=lambda q: q.start)
    return found


def _last_clause(text: str, pattern: re.Pattern[str] = _CLAUSE_RE) -> str:
    parts = pattern.split(text)
    return parts[-1] if parts else text


def _classify(contexts: list[str], unit: str | None, rules: tuple[_Rule, ...]) -> _Rule | None:
    for context in contexts:
        if not context:
            continue
        for rule in rules:
            if rule.matches(context, unit):
                return rule
    return None


def _label(near: str) -> str:
    return _LABEL_TRIM.sub("", near.strip())[-30:]


def _sentence_facts(sentence: str, s_start: int, text: str, cfg: _Config) -> list[_Fact]:
    """Facts of one sentence; ``text`` is the folded paragraph, ``sentence`` a slice of it."""
    facts: list[_Fact] = []
    quantities = _quantities(sentence, s_start, cfg)
    prev_end = s_start
    parent: _Fact | None = None
    in_parts = False
    last_top: _Fact | None = None
    s_end = s_start + len(sentence)
    for i, q in enumerate(quantities):
        left = text[prev_end : q.start]
        semi = max(left.rfind(";"), left.rfind("；"))
        cues = [m.start() for m in cfg.parts_cue.finditer(left)]
        cue = cues[-1] if cues else -1
        if semi > cue:
            in_parts, parent = False, None
        if cue > semi:
            in_parts, parent = True, last_top
        near_raw = _last_clause(left)
        if "等" in near_raw:  # 规章、规范性文件等112件: the count covers the whole list
            near_raw = _last_clause(left, _STRONG_CLAUSE_RE)
        near = cfg.parts_cue.sub("", near_raw)
        next_start = quantities[i + 1].start if i + 1 < len(quantities) else s_end
        tail = text[q.end : next_start]
        after = _AFTER_STOP_RE.split(tail, maxsplit=1)[0]
        if not q.arabic and re.match(f"[{CHINESE_NUMERAL_CHARS}]", tail):
            prev_end = q.end
            continue  # “三个一”: a name, not a count
        # Chinese numerals are common in names and slogans: only the words next to them count
        contexts = [near, near + after, left, left + after] if q.arabic else [near, near + after]
        prev_end = q.end

        change = cfg.change_cue.search(near)
        if change:
            direction = near[change.end() :]
            rule = _classify(
                [near[: change.start()], left[: len(left) - len(near) + change.start()]], q.unit, cfg.rules
            )
            key = rule.key if rule else (facts[-1].key if facts else "other")
            sign = -1.0 if cfg.change_down.search(direction) and not cfg.change_up.search(direction) else 1.0
            q.value *= sign
            q.qualifier = "change"
            facts.append(_Fact(f"{key}.change", q, _label(near)))
            continue

        if cfg.distributive.search(near_raw) or cfg.distributive.search(
            _last_clause(left, _STRONG_CLAUSE_RE)
        ):
            scope = _last_clause(left, _STRONG_CLAUSE_RE)
            keys = []
            for rule in cfg.rules:
                if rule.key not in keys and rule.matches(scope, q.unit):
                    keys.append(rule.key)
            if keys:
                unit = q.unit
                for key in keys:
                    rule = next(r for r in cfg.rules if r.key == key)
                    qq = _Quantity(
                        q.start, q.end, q.value, q.value_max, unit or rule.units[0], q.qualifier, q.arabic
                    )
                    facts.append(_Fact(key, qq, _label(scope)))
                continue

        if in_parts and parent is not None and (q.unit != "%" or parent.q.unit == "%"):
            group = parent.key.split(".")[0]
            rule = _classify([near, near + after], q.unit, cfg.parts.get(parent.key, ()))
            key = rule.key if rule else (f"{group}.part" if group != "other" else "other")
            fact = _Fact(key, q, _label(near), parent=parent)
        else:
            rule = _classify(contexts, q.unit, cfg.rules)
            if rule is None and (not q.arabic or q.unit is None):
                continue  # 一件事, 九个集中攻坚: Chinese numerals nothing names are not facts
            if rule is not None and q.unit is None:
                q.unit = rule.units[0]
            fact = _Fact(rule.key if rule else "other", q, _label(near))
            last_top = fact
        facts.append(fact)

        same = cfg.same.search(tail)
        if same and fact.key != "other":
            z = _Quantity(
                q.end + same.start(), q.end + same.end(), 0.0, None, q.unit, "same_as_last_year", False
            )
            facts.append(_Fact(f"{fact.key}.change", z, _label(near)))
    return facts


def _negations(sentence: str, s_start: int, cfg: _Config, taken: list[tuple[int, int]]) -> list[_Fact]:
    """Zeros stated by negation: 无因依申请公开引发的行政复议案件, 本年度未收取…信息处理费."""
    facts: list[_Fact] = []
    pos = 0
    for clause in re.split(r"(?<=[，,;；。！？!?])", sentence):
        c_start = s_start + pos
        pos += len(clause)
        if any(c_start <= a < c_start + len(clause) for a, _ in taken):
            continue  # the clause holds a number: that number is the fact
        blocked = [m.span() for m in cfg.negation_not.finditer(clause)]
        for m in cfg.negation.finditer(clause):
            if any(a <= m.start() < b for a, b in blocked):
                continue
            scope = clause[m.start() :]
            keys: list[str] = []
            for rule in cfg.rules:
                if rule.negatable and rule.key not in keys and rule.matches(scope, None):
                    keys.append(rule.key)
                    unit = rule.units[0]
                    end = len(clause.rstrip("，,;；。！？!?"))
                    q = _Quantity(c_start + m.start(), c_start + end, 0.0, None, unit, None, False)
                    facts.append(_Fact(rule.key, q, _label(scope.rstrip("，,;；。！？!?")), negated=True))
            if keys:
                break
    return facts


def section_facts(doc_id: str, section: int, text: str) -> list[dict]:
    """The fact rows of one section's text (see the module docstring for the columns).

    Validation and the narrative datasets both ask for the facts of the same sections
    of a report, so the last few sections' facts are kept and copied, not found twice.
    """
    return [{**row, "doc_id": doc_id} for row in _section_facts(section, text)]


@lru_cache(maxsize=16)
def _section_facts(section: int, text: str) -> tuple[dict, ...]:
    return tuple(_find_facts("", section, text, _digits_joined(cleaned(text))))


def _digits_joined(clean: CleanText) -> CleanText:
    """Spaces between two digits dropped (PDF letter spacing: ``收到申请2 64件`` states 264),
    with the offsets of what remains, so spans still point into the original text.

    Tokens keep such a space (``segment.clean_text``); only the counts read through it.
    """
    t = clean.text
    drop = {m.start() + i for m in _SPLIT_DIGITS.finditer(t) for i in range(len(m.group()))}
    if not drop:
        return clean
    keep = [i for i in range(len(t)) if i not in drop]
    return CleanText("".join(t[i] for i in keep), (*(clean.offsets[i] for i in keep), clean.offsets[-1]))


_SPLIT_DIGITS = re.compile(r"(?<=\d)\s+(?=\d)")


@lru_cache(maxsize=16)
def cleaned(text: str) -> CleanText:
    """``clean_text`` of a section, kept for the sections of the report in hand: the
    facts (for validation) and the tokens and tags (narrative datasets) share it."""
    return clean_text(text)


def _find_facts(doc_id: str, section: int, text: str, clean: CleanText) -> list[dict]:
    cfg = config()
    folded = _fold(clean.text)
    found: list[tuple[_Fact, int, int]] = []
    for m in _SENTENCE_RE.finditer(folded):
        sentence = m.group()
        if not sentence.strip():
            continue
        facts = _sentence_facts(sentence, m.start(), folded, cfg)
        taken = [(f.q.start, f.q.end) for f in facts]
        facts += _negations(sentence, m.start(), cfg, taken)
        facts.sort(key=lambda f: f.q.start)
        found += [(f, m.start(), m.end()) for f in facts]
    rows: list[dict] = []
    ids: dict[int, int] = {}
    for n, (fact, s_start, s_end) in enumerate(found):
        ids[id(fact)] = n
        start, end = clean.span(fact.q.start, fact.q.end)
        sent_start, sent_end = clean.span(s_start, s_end)
        rows.append(
            {
                "doc_id": doc_id,
                "section": section,
                "fact": n,
                "key": fact.key,
                "value": fact.q.value,
                "value_max": fact.q.value_max,
                "unit": fact.q.unit,
                "qualifier": fact.q.qualifier,
                "negated": fact.negated,
                "part_of": ids.get(id(fact.parent)) if fact.parent is not None else None,
                "label": fact.label,
                "raw": text[start:end],
                "sentence": clean.text[s_start:s_end],
                "start": start,
                "end": end,
                "sentence_start": sent_start,
                "sentence_end": sent_end,
            }
        )
    return rows
