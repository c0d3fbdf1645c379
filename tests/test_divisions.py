"""Bodies on the map: province, city, county and GB/T 2260 code from the installed division list."""

from __future__ import annotations

import random
from pathlib import Path

import pandas as pd
import pytest

from nianbao.corpus.check import units_frame
from nianbao.corpus.synth.agencies import sample_agency
from nianbao.normalize.agencies import classify, place_by_text
from nianbao.normalize.divisions import adcodes_path, code_of, level_of, place_of, township_candidates
from nianbao.normalize.pipeline import process

FIXTURES = Path(__file__).parent / "fixtures"


def test_the_division_list_is_the_installed_national_one() -> None:
    assert adcodes_path().is_file()
    codes = [line.split(",")[0][:6] for line in adcodes_path().read_text("utf-8").splitlines()[1:]]
    levels = pd.Series([level_of(c) for c in codes]).value_counts()
    assert levels["province"] >= 34 and levels["city"] >= 330 and levels["county"] >= 2800
    assert place_of("330782") == place_of("330782")  # cached and stable
    p = place_of("330782")
    assert (p.province, p.city, p.county, p.county_level_city) == ("浙江省", "金华市", "义乌市", True)
    assert code_of("山东省", "淄博市", "沂源县") == "370323"
    assert code_of("上海市", None, "闵行区") == "310112"
    assert code_of("山东省", "淄博市", "没有县") is None


@pytest.mark.parametrize(
    ("name", "level", "kind", "province", "city", "county", "division"),
    [
        ("沂源县科学技术局", "县", "department", "山东省", "淄博市", "沂源县", "370323"),
        ("义乌市人民政府", "县", "government", "浙江省", "金华市", "义乌市", "330782"),
        ("东阳市教育局", "县", "department", "浙江省", "金华市", "东阳市", "330783"),
        ("金华市人民政府", "市", "government", "浙江省", "金华市", None, "330700"),
        ("淮安市人民政府", "市", "government", "江苏省", "淮安市", None, "320800"),
        ("上海市人民政府办公厅", "省", "department", "上海市", None, None, "310000"),
        ("上海市闵行区人民政府", "县", "government", "上海市", None, "闵行区", "310112"),
        ("平潭综合实验区管委会", "市", "zone", "福建省", "福州市", "平潭县", "350128"),
        ("平潭综合实验区公安局", "市", "department", "福建省", "福州市", "平潭县", "350128"),
        ("淄博高新技术产业开发区管理委员会", "市", "zone", "山东省", "淄博市", None, "370300"),
        ("苏州工业园区管理委员会", "市", "zone", "江苏省", "苏州市", "苏州工业园区", "320576"),
        ("沂源县南麻街道办事处", "乡镇", "township", "山东省", "淄博市", "沂源县", "370323"),
        ("涉县人民政府", "县", "government", "河北省", "邯郸市", "涉县", "130426"),
        ("仙桃市民政局", "县", "department", "湖北省", None, "仙桃市", "429004"),
        ("国家统计局", "国务院部门", "department", None, None, None, None),
        # named in two cities and no more said: no code rather than a guess
        ("朝阳区人民政府", "县", "government", None, None, "朝阳区", None),
        ("北京市朝阳区人民政府", "县", "government", "北京市", None, "朝阳区", "110105"),
        ("城关镇人民政府", "乡镇", "township", None, None, None, None),
    ],
)
def test_bodies_placed(name, level, kind, province, city, county, division) -> None:
    u = classify(name)
    assert (u.level, u.kind, u.province, u.city, u.county, u.division) == (
        level,
        kind,
        province,
        city,
        county,
        division,
    )


# Every real report placed where it is: (file, division code)
REAL = {
    "real/2024_yiyuan_kejiju.txt": "370323",
    "real/2019_shanghai_szfbgt.html": "310000",
    "real/2024_huaian_szf.pdf": "320800",
    "real/2021_pingtan_gwh.txt": "350128",
    "real/2022_pingtan_gwh.txt": "350128",
    **{f"real2/{p.name}": "350128" for p in (FIXTURES / "real2").glob("*.txt")},
}


@pytest.mark.parametrize("file", sorted(REAL))
def test_real_reports_placed(file: str) -> None:
    path = FIXTURES / file
    report = process(path.read_bytes(), str(path))
    u = classify(report.meta.agency)
    assert u.division == REAL[file]
    assert u.province == place_of(REAL[file]).province


def placement_rates(n: int, seed: int) -> dict[str, float]:
    """Share of generated bodies placed right: province, and division code (as the generator drew it)."""
    from nianbao.corpus.synth.agencies import sample_agency

    rng = random.Random(seed)
    truths: dict[str, set[tuple[str | None, str | None]]] = {}
    for _ in range(n):
        a = sample_agency(rng)
        truths.setdefault(a.name, set()).add((a.province or None, a.division))
    counts = dict.fromkeys(("bodies", "province", "division"), 0)
    for name, seen in truths.items():
        if {p for p, _ in seen} == {None}:
            continue  # a central body has no division
        counts["bodies"] += 1
        u = classify(name)
        counts["province"] += len(seen) == 1 and u.province == next(iter(seen))[0]
        counts["division"] += len(seen) == 1 and u.division == next(iter(seen))[1]
    return {k: counts[k] / counts["bodies"] for k in ("province", "division")} | {"n": counts["bodies"]}


def test_generated_bodies_placed() -> None:
    """Over the bodies the generator draws (real townships of the county drawn): a township
    name the national list holds in several provinces (城关镇人民政府) cannot be placed,
    everything else is."""
    rates = placement_rates(3000, seed=5)
    assert rates["province"] >= 0.93 and rates["division"] >= 0.93, rates


def test_generated_bodies_never_misplaced() -> None:
    """A body is placed right, or left unplaced with the reason: never placed elsewhere."""
    rng = random.Random(11)
    for _ in range(1500):
        a = sample_agency(rng)
        if not a.province:
            continue
        u = classify(a.name)
        assert u.province in (a.province, None), (a.name, a.division, u)
        if u.division != a.division:
            # the township is one of several of its name (named), or the county is (朝阳区)
            assert u.ambiguity or u.county == "朝阳区" or u.division is None, (a.name, a.division, u)


@pytest.mark.parametrize(
    ("name", "province", "county", "division", "township_code"),
    [
        ("南麻街道办事处", "山东省", "沂源县", "370323", "370323002"),  # the only 南麻街道
        ("沂源县燕崖镇人民政府", "山东省", "沂源县", "370323", "370323111"),
        ("闵行区莘庄镇人民政府", "上海市", "闵行区", "310112", "310112101"),
        # 南麻街道 is not in 桓台县: the county the name says stands, no township code
        ("桓台县南麻街道办事处", "山东省", "桓台县", "370321", None),
    ],
)
def test_townships_placed_by_the_national_list(name, province, county, division, township_code) -> None:
    u = classify(name)
    assert (u.level, u.province, u.county, u.division, u.township_code, u.ambiguity) == (
        "乡镇",
        province,
        county,
        division,
        township_code,
        None,
    )


def test_a_township_name_of_several_places_is_a_named_ambiguity() -> None:
    u = classify("城关镇人民政府")
    assert (u.province, u.division, u.township_code) == (None, None, None)
    assert u.ambiguity is not None and u.ambiguity.startswith("城关镇: ")
    assert u.ambiguity.endswith("provinces")
    # within one province, the province is no guess (every 城关镇 of 河南省 is in it)
    v = classify("河南省城关镇人民政府")
    assert (v.province, v.division, v.township_code) == ("河南省", "410000", None)
    assert v.ambiguity is not None and "cities" in v.ambiguity


def test_units_dataset_has_the_division() -> None:
    docs = pd.DataFrame({"agency": ["义乌市教育局", "义乌市教育局", None, "平潭综合实验区公安局"]})
    u = units_frame(docs).set_index("name")
    assert u.loc["义乌市教育局", ["level", "kind", "city", "division", "reports"]].tolist() == [
        "县",
        "department",
        "金华市",
        "330782",
        2,
    ]
    assert u.loc["平潭综合实验区公安局", "division"] == "350128"


ADDRESS = "如对本报告有疑问，请与青山镇人民政府联系（地址：{}青山镇兴业路8号）。"


def test_a_report_that_names_its_county_places_an_ambiguous_township() -> None:
    u = classify("青山镇人民政府")
    assert u.division is None and u.ambiguity
    placed = place_by_text(u, ADDRESS.format("林口县"))
    assert placed is not None
    assert (placed.province, placed.city, placed.county, placed.division, placed.township_code) == (
        "黑龙江省",
        "牡丹江市",
        "林口县",
        "231025",
        "231025110",
    )
    assert placed.placed_by == "text" and placed.ambiguity is None
    # a county that holds no 青山镇, two candidates at once, or nothing: no place
    assert place_by_text(u, ADDRESS.format("沂源县")) is None
    assert place_by_text(u, "林口县和仪征市的青山镇") is None
    assert place_by_text(u, "") is None


def test_text_tells_apart_only_what_the_name_left_open() -> None:
    chaoyang = classify("朝阳区人民政府")
    placed = place_by_text(chaoyang, "地址：北京市朝阳区日坛北路33号")
    assert placed is not None and placed.division == "110105"
    assert place_by_text(chaoyang, "地址：朝阳区日坛北路33号") is None  # both are 朝阳区
    assert place_by_text(classify("沂源县科学技术局"), "学习淮安市的经验") is None  # placed by its name
    assert classify("沂源县科学技术局").placed_by == "name"


def test_units_placed_by_their_reports_when_they_agree() -> None:
    docs = pd.DataFrame(
        {
            "doc_id": ["a", "b", "c", "d", "e"],
            "agency": [
                "青山镇人民政府",
                "青山镇人民政府",
                "青山镇人民政府",
                "安乐镇人民政府",
                "安乐镇人民政府",
            ],
        }
    )
    texts = {
        "a": ADDRESS.format("林口县"),
        "b": "",  # says nothing: no vote
        "c": ADDRESS.format("林口县"),
        "d": "地址：" + "、".join(place_of(c).county for c in township_candidates("安乐镇")[:1]) + "安乐镇",
        "e": "地址：" + "、".join(place_of(c).county for c in township_candidates("安乐镇")[1:2]) + "安乐镇",
    }
    u = units_frame(docs, texts).set_index("name")
    assert u.loc["青山镇人民政府", ["division", "township_code", "placed_by"]].tolist() == [
        "231025",
        "231025110",
        "text",
    ]
    # two reports of one name telling two places: no place, and the ambiguity says why
    assert pd.isna(u.loc["安乐镇人民政府", "division"])
    assert u.loc["安乐镇人民政府", "ambiguity"].endswith("its reports name 2 different places")
    assert pd.isna(units_frame(docs).set_index("name").loc["青山镇人民政府", "division"])  # no texts
