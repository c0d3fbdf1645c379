"""Printed labels to the spec's keys, matched on meaning rather than bytes.

Published tables re-punctuate, pad, shorten and wrap the official labels:
``（二）部分公开`` for the long official text, ``1、`` / ``1.`` / ``（1）`` numbering,
half- or full-width brackets, curly or straight quotes, line breaks inside a cell.
:func:`norm` folds all of that away; the matchers below compare folded labels
against the folded official labels and aliases read from the spec.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache, lru_cache

from nianbao.normalize.spec import TEMPLATES, raw_spec, table_spec

_DROP = re.compile(r"[\s\u00a0\u3000\u200b\ufeff\"'“”‘’「」『』《》〈〉:：;；,，。、.·•…_*]+")
# Leading numbering: 一、 （一） (一) 1. 1、 （1） ①
_NUMBERING = re.compile(
    r"^(?:[（(]?[一二三四五六七八九十]+[)）]?[、.．]?|[（(]?\d{1,2}[)）]?[、.．]?|[①-⑳])(?=\D|$)"
)
_PAREN = re.compile(r"[（(][^（()）]*[)）]")


# Cached texts: enough for the labels and small numbers a corpus repeats, bounded so that a
# long run over millions of cells keeps a flat memory.
_CACHE = 8192


@lru_cache(maxsize=_CACHE)
def norm(label: str | None) -> str:
    """Fold a label: NFKC, no spaces, no line breaks, no quotes or list punctuation.

    Idempotent: ``norm(norm(x)) == norm(x)``.
    """
    if not label:
        return ""
    s = label
    for _ in range(3):  # dropping a space can leave a combining mark that NFKC then composes
        folded = _DROP.sub("", unicodedata.normalize("NFKC", s)).replace("(", "（").replace(")", "）")
        if folded == s:
            break
        s = folded
    return s


@lru_cache(maxsize=_CACHE)
def core(label: str | None) -> str:
    """The label without its numbering and without parenthetical remarks.

    ``（二）部分公开（区分处理的，只计这一情形，不计其他情形）`` -> ``部分公开``;
    ``3.危及“三安全一稳定”`` -> ``危及三安全一稳定``.
    """
    s = unicodedata.normalize("NFKC", label or "")
    s = s.strip().replace("(", "（").replace(")", "）")
    s = re.sub(r"^[\s\u3000]+", "", s)
    s = _NUMBERING.sub("", s, count=1)
    s = _PAREN.sub("", s)
    return norm(s)


@dataclass(slots=True)
class RowMatcher:
    """Folded row labels of one table: exact cores first, then prefix matches."""

    exact: dict[str, str]  # core -> row key
    prefixes: tuple[tuple[str, str], ...]  # (core, row key), longest first
    _memo: dict[str, str | None] = field(default_factory=dict, compare=False, repr=False)

    def match(self, label: str) -> str | None:
        c = core(label)
        if c not in self._memo:  # labels repeat across a corpus: match each folded one once
            if len(self._memo) >= _CACHE:
                self._memo.clear()
            self._memo[c] = self._match_core(c)
        return self._memo[c]

    def _match_core(self, c: str) -> str | None:
        if not c:
            return None
        if c in self.exact:
            return self.exact[c]
        for p, key in self.prefixes:
            if len(p) >= 3 and (c.startswith(p) or (len(c) >= 4 and p.startswith(c))):
                return key
        return self._near(c)

    def _near(self, c: str) -> str | None:
        """A label one slip away from one row's label (a character dropped, added, changed or
        two swapped), when no other row's label is as near: 保护第三方合法权 / 属于国家密秘.

        A shortened label (the prefix rule) may carry the slip too; short cores need a long
        enough official label to be told apart (部分公 for 部分公开).
        """
        if len(c) < 3:
            return None
        keys = set()
        for p, key in self.exact.items():
            if len(p) < 4 or (len(c) < 5 and len(p) > len(c) + 1):
                continue
            if _one_slip(c, p):
                keys.add(key)
            elif len(c) >= 6 and any(
                _one_slip(c, p[: len(c) + d]) for d in (-1, 0, 1) if len(c) + d < len(p)
            ):
                keys.add(key)  # a shortened label with a slip
            elif len(p) >= 6 and len(c) > len(p) and _one_slip(c[: len(p)], p):
                keys.add(key)  # a slip before a long label's tail
        return keys.pop() if len(keys) == 1 else None


def _one_slip(a: str, b: str) -> bool:
    """Whether ``a`` and ``b`` differ by one edit or one swap of neighbours."""
    if a == b:
        return False
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    i = 0
    while i < min(la, lb) and a[i] == b[i]:
        i += 1
    if la == lb:
        if a[i + 1 :] == b[i + 1 :]:
            return True  # one changed
        return i + 1 < la and a[i] == b[i + 1] and a[i + 1] == b[i] and a[i + 2 :] == b[i + 2 :]
    if la > lb:
        return a[i + 1 :] == b[i:]
    return a[i:] == b[i + 1 :]


@cache
def row_matcher(table: str, template: str) -> RowMatcher:
    """The matcher of t2 or t3 rows of a template, built once from the spec."""
    spec = table_spec(table, template)
    exact: dict[str, str] = {}
    for r in spec.rows:
        for lab in (r.label, *r.aliases):
            exact.setdefault(core(lab), r.key)
    prefixes = tuple(sorted(exact.items(), key=lambda kv: -len(kv[0])))
    return RowMatcher(exact, prefixes)


# ------------------------------------------------------------------------ table 三

# t3 row labels that are ambiguous alone ("3.其他") are resolved by their group.
_T3_GROUP_KEYS = {
    "（六）其他处理": "other",
    "（三）不予公开": "denied",
    "（四）无法提供": "unable",
    "（五）不予处理": "rejected",
}


_GROUP_MARK = re.compile(r"^\s*[（(]\s*([三四五六])\s*[)）]")


def t3_group(label: str) -> str | None:
    """Group prefix ('denied', 'unable', 'rejected', 'other') a group label stands for.

    A group label cut by a wrap (``（六）其`` above ``他处理``) is known by its mark.
    """
    c = core(label)
    for lab, g in _T3_GROUP_KEYS.items():
        gc = core(lab)
        if c == gc or (len(c) >= 3 and gc.startswith(c)):
            return g
    m = _GROUP_MARK.match(unicodedata.normalize("NFKC", label).replace("(", "（").replace(")", "）"))
    if m and len(c) < 4:
        for lab, g in _T3_GROUP_KEYS.items():
            if lab.startswith(f"（{m.group(1)}）") and (not c or core(lab).startswith(c)):
                return g
    return None


@cache
def t3_col_labels() -> dict[str, str]:
    """Folded column label -> t3 column key (自然人 -> natural_person ...)."""
    return {core(v): k for k, v in raw_spec()["t3"]["cols"].items()}


T3_APPLICANT = core("申请人情况")

# ------------------------------------------------------------------------ table 四


@cache
def t4_group_labels() -> dict[str, str]:
    """Folded group label -> group key: 行政复议 -> review, 未经复议直接起诉 -> litigation_direct."""
    out = {}
    for key, label in raw_spec()["t4"]["groups"].items():
        out[core(label.split("/")[-1])] = key
    return out


@cache
def t4_outcome_labels() -> dict[str, str]:
    return {core(v): k for k, v in raw_spec()["t4"]["outcomes"].items()}


T4_LITIGATION = core("行政诉讼")

# ------------------------------------------------------------------------ table 二


@cache
def t2_col_labels(template: str) -> dict[str, str]:
    """Folded column header -> t2 column key, for one template."""
    return {core(v): k for k, v in raw_spec()[f"t2_{template}"]["cols"].items()}


@lru_cache(maxsize=_CACHE)
def t2_col(label: str, template: str) -> str | None:
    c = core(label)
    if not c:
        return None
    cols = t2_col_labels(template)
    if c in cols:
        return cols[c]
    for lab, key in cols.items():
        # 本年收费金额（单位：万元） folds to 本年收费金额; printed headers may add or drop 单位.
        if len(c) >= 4 and (lab.startswith(c) or c.startswith(lab)):
            return key
    return None


def detect_t2_template(labels: list[str]) -> str | None:
    """Which template a set of t2 header labels belongs to, if they say."""
    votes = dict.fromkeys(TEMPLATES, 0)
    for lab in labels:
        for t in TEMPLATES:
            other = next(x for x in TEMPLATES if x != t)
            if t2_col(lab, t) and not t2_col(lab, other):
                votes[t] += 1
    best = max(votes, key=lambda t: votes[t])
    return best if votes[best] else None
