"""Agencies as units: a normalised key that pairs one body's reports across years, and
what its name tells about it (level, kind, and its place on the map).

A name is read left to right as [province][city][county][township][body]:
``沂源县科学技术局`` is the county 沂源县 and the body 科学技术局, a department at
county level.  The places read are then looked up in the national list of
administrative divisions (GB/T 2260, :mod:`nianbao.normalize.divisions`): 沂源县 is
370323, in 淄博市 (370300), 山东省 (370000), so the unit gets its city, province and
division code although the name says neither.  A township is looked up in the
national list of townships: 南麻街道办事处 alone is placed in 沂源县 (370323002), the
only 南麻街道; 城关镇人民政府 (82 of them) gets no place and its ``ambiguity`` says why.
A place the list does not hold, or
holds more than once within what the name says (朝阳区 is in 北京市 and in 长春市),
gets no code: nothing is guessed.  A city the list knows as county-level (义乌市,
东阳市: codes whose last two digits are not 00, in a prefecture city) makes the body
county level.  A zone (平潭综合实验区, 淄博高新技术产业开发区) is placed by the
division its name opens with (平潭县 350128, 淄博市 370300).

``kind`` is one of government (人民政府, 行政公署), department (部/厅/委/局, the
办公厅/办公室 of a government too), township (乡镇人民政府, 街道办事处) and zone (the
管委会 of a 开发区/园区/实验区).  Governments, townships and zones publish their report
by 31 March; departments by 31 January (条例 第四十九条), see :func:`kind_of`.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import asdict, dataclass, replace
from functools import cache
from importlib import resources

from nianbao.normalize.divisions import (
    county_candidates,
    is_township,
    lookup_place,
    named_in,
    place_of,
    place_township,
    township_candidates,
)

LEVELS = ("国务院部门", "省", "市", "县", "乡镇")
KINDS = ("government", "department", "township", "zone")


@dataclass(frozen=True, slots=True)
class Unit:
    """One issuing body: its name as written, key, level, kind and its administrative division."""

    name: str
    key: str
    level: str | None  # one of LEVELS, None where the name does not tell
    kind: str  # one of KINDS
    province: str | None = None
    city: str | None = None
    county: str | None = None
    township: str | None = None
    division: str | None = None  # 6-digit GB/T 2260 code of the most precise division placed
    township_code: str | None = None  # 9-digit code of the township, when the list has one of its name
    ambiguity: str | None = None  # why a township name placed no further (城关镇: 82 of that name …)
    placed_by: str | None = None  # name | text (the report's own words told the place apart)

    def as_row(self) -> dict[str, str | None]:
        return asdict(self)


@cache
def _data() -> dict:
    text = resources.files("nianbao.normalize").joinpath("data/agencies.toml").read_text("utf-8")
    return tomllib.loads(text)


_SPACES = re.compile(r"\s+")
_BRACKETS = re.compile(r"[（(][^（）()]*[）)]")
_REPORT_WORDS = re.compile(r"^\d{4}年(度)?|\d{4}年(度)?$|(政府)?信息公开(工作)?(年度)?报告$")
_SHORT_GOV = re.compile(r"(?<=[省市县区旗镇乡])政府(?=$|办公)")
# Words that open or sit inside a body's name, never a place name.
_ZONES = ("开发区", "园区", "实验区", "高新区", "示范区", "合作区", "试验区")
_TOWNSHIP = re.compile(r"^(?P<place>.{1,9}?(?:街道|镇|乡|苏木))(?P<rest>人民政府|政府|办事处|党政|$)")
_BODY_WORDS = re.compile(r"局|委|厅|办|院|政府|中心|所|站|队|会|部|城市|市场|社区|景区|监管|管理")


def _clean(name: str) -> str:
    s = _SPACES.sub("", unicodedata.normalize("NFKC", name))
    # NFKC turns full-width brackets into ASCII ones; strip bracketed aliases and notes.
    prev = None
    while prev != s:
        prev, s = s, _BRACKETS.sub("", s)
    return s


def agency_key(name: str | None) -> str:
    """A key under which two spellings of one body meet: ``沂源县科学技术局`` and
    ``沂源县 科技局`` give ``沂源县科技局``; ``平潭综合实验区管理委员会（…）`` gives
    ``平潭综合实验区管委会``; ``淮安市政府`` gives ``淮安市人民政府``.  Empty for no name.
    """
    if not name:
        return ""
    s = _clean(name)
    prev = None
    while prev != s:
        prev, s = s, _REPORT_WORDS.sub("", s)
    for long, short in _data()["abbreviations"].items():
        s = s.replace(long, short)
    return _SHORT_GOV.sub("人民政府", s)


def _split_province(s: str) -> tuple[str | None, str]:
    for full in _data()["provinces"]:
        if s.startswith(full):
            return full, s[len(full) :]
    for full, short in _data()["provinces"].items():
        # 吉林市 is a city of 吉林省, 海南藏族自治州 one of 青海省: a short name must stand alone.
        if s.startswith(short) and s[len(short) : len(short) + 1] not in (
            "市",
            "州",
            "县",
            "区",
            "藏",
            "省",
            "",
        ):
            return full, s[len(short) :]
    return None, s


def _take(pattern: str, s: str, min_stem: int, not_in_stem: str = "") -> tuple[str | None, str]:
    m = re.match(pattern, s)
    if not m:
        return None, s
    place = m.group(0)
    stem = place[: len(place) - len(m.group("suffix"))]
    if len(stem) < min_stem or _BODY_WORDS.search(stem) or any(ch in stem for ch in not_in_stem):
        return None, s
    return place, s[len(place) :]


def classify(name: str) -> Unit:
    """The unit a report's agency name describes (see the module docstring)."""
    key = agency_key(name)
    data = _data()
    if key.startswith(tuple(data["national_prefixes"])):
        return Unit(name, key, "国务院部门", "department")
    whole = _TOWNSHIP.match(key)
    if whole and is_township(whole.group("place")):
        # 河南寨镇 (密云区), 河北街道: a township of that name, not 河南省 and 寨镇
        province, rest = None, key
    else:
        province, rest = _split_province(key)
    # 朝阳区市场监管局: the 市 of 市场 does not make 朝阳区 a city.
    city, rest = _take(r"^.{1,9}?(?P<suffix>自治州|地区|盟|市)", rest, 2, not_in_stem="县区旗")
    if province in ("北京市", "天津市", "上海市", "重庆市") and city:
        # A municipality's districts and counties are county level; it has no prefecture cities.
        rest, city = city + rest, None
    county, rest = _take(
        r"^.{1,12}?(?P<suffix>自治县|自治旗|新区|县|区|旗" + ("|市)" if city else ")"), rest, 1
    )
    if county and county.endswith(("市", "区")) and len(county) < 3:
        county, rest = None, county + rest
    zone = None
    if county and county.endswith(_ZONES):
        # 开发区/园区 管委会: a zone, not a county; most are run at city level.
        zone, county = county, None
    township = None
    m = _TOWNSHIP.match(rest)
    if m and (not _BODY_WORDS.search(m.group("place")) or is_township(m.group("place"))):
        township, rest = m.group("place"), rest[len(m.group("place")) :]

    named_county = county
    placed = lookup_place(province, city, county, zone, tuple(data["zone_types"]))
    if placed is not None:
        province, city, county = placed.province, placed.city, placed.county
        # 义乌市 is a county-level city: its bodies are county level, like a county's
        named_county = named_county or (None if zone else county)
    if township:
        level: str | None = "乡镇"
    elif named_county:
        level = "县"
    elif city or zone:
        level = "市"
    elif province:
        level = "省"
    elif key.endswith(tuple(data["national_suffixes"])):
        level = "国务院部门"
    else:
        level = None

    body = rest
    if level == "国务院部门":
        kind = "department"
    elif body.endswith(tuple(data["government_suffixes"])) or body in ("", "党政"):
        # A bare place name (平潭综合实验区, 朝阳区) titles the government's own report.
        kind = "township" if township else "zone" if zone and not named_county else "government"
    else:
        kind = "department"
    township_code = ambiguity = None
    if township:
        # 南麻街道 alone places 沂源县南麻街道办事处; 城关镇 is in 82 counties: no guess
        found = place_township(township, placed)
        if found is not None:
            township_code, ambiguity = found.code, found.ambiguity
            if found.place is not None and found.place is not placed:
                placed = found.place
                province, city, county = placed.province, placed.city, placed.county
    code = placed.code if placed is not None else None
    by = "name" if code else None
    return Unit(name, key, level, kind, province, city, county, township, code, township_code, ambiguity, by)


def needs_text(unit: Unit) -> bool:
    """Whether the name left the body's place open among several (城关镇, 朝阳区)."""
    return unit.level != "国务院部门" and (
        bool(unit.ambiguity) or (unit.county is not None and unit.division is None)
    )


def place_by_text(unit: Unit, text: str) -> Unit | None:
    """``unit`` placed by its report's own words, or None where they do not tell.

    Only a place the name left open among several is decided, and only among those:
    the 82 城关镇 are told apart by a report that names its county, city or province
    (an address 栾川县城关镇…, a 洛阳市 in the text) when that name is one candidate's
    alone.  Nothing is placed that the name does not allow.
    """
    if not needs_text(unit) or not text:
        return None
    within = place_of(unit.division) if unit.division else None
    if unit.township and unit.ambiguity:
        candidates = township_candidates(unit.township, within)
    elif unit.county and not unit.township:
        candidates = county_candidates(unit.county, within)
    else:
        return None
    named = named_in(text, candidates) if len(candidates) > 1 else []
    if len(named) != 1:
        return None
    county = named[0]
    code = county
    if unit.township:
        found = place_township(unit.township, place_of(county))
        if found is None or found.code is None:
            return None
        code = found.code
    p = place_of(county)
    return replace(
        unit,
        province=p.province,
        city=p.city,
        county=p.county,
        division=county,
        township_code=code if unit.township else unit.township_code,
        ambiguity=None,
        placed_by="text",
    )


def kind_of(name: str | None) -> str | None:
    """government | department for an agency name (whose deadline applies), None for no name.

    Townships and zones answer as governments: their reports are due by 31 March too."""
    if not name:
        return None
    return "department" if classify(name).kind == "department" else "government"
