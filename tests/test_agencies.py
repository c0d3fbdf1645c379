"""Agency keys pair one body's reports; the unit says what the name tells, nothing more."""

from __future__ import annotations

import random

import pytest

from nianbao.normalize.agencies import agency_key, classify, kind_of


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("沂源县科学技术局", "沂源县 科技局"),
        ("平潭综合实验区管委会（平潭综合实验区党工委管委会）", "平潭综合实验区管理委员会"),
        ("淮安市政府", "淮安市人民政府"),
        ("２０２４年沂源县科学技术局政府信息公开工作年度报告", "沂源县科学技术局"),
    ],
)
def test_spellings_of_one_body_share_a_key(a: str, b: str) -> None:
    assert agency_key(a) == agency_key(b) != ""


def test_different_bodies_keep_different_keys() -> None:
    assert agency_key("淮安市人民政府") != agency_key("淮安市人民政府办公室")
    assert agency_key("沂源县科学技术局") != agency_key("沂水县科学技术局")
    assert agency_key(None) == ""


@pytest.mark.parametrize(
    ("name", "level", "kind", "province", "city", "county"),
    [
        ("沂源县科学技术局", "县", "department", "山东省", "淄博市", "沂源县"),
        ("淮安市人民政府", "市", "government", "江苏省", "淮安市", None),
        ("上海市人民政府办公厅", "省", "department", "上海市", None, None),
        ("上海市浦东新区人民政府", "县", "government", "上海市", None, "浦东新区"),
        ("广西壮族自治区南宁市青秀区人民政府", "县", "government", "广西壮族自治区", "南宁市", "青秀区"),
        ("苏州市昆山市人民政府", "县", "government", "江苏省", "苏州市", "昆山市"),
        # 朝阳区 is in 北京市 and in 长春市: the name does not say which
        ("朝阳区市场监督管理局", "县", "department", None, None, "朝阳区"),
        ("吉林市人民政府", "市", "government", "吉林省", "吉林市", None),
        ("山东省科学技术厅", "省", "department", "山东省", None, None),
        ("国家市场监督管理总局", "国务院部门", "department", None, None, None),
        ("教育部", "国务院部门", "department", None, None, None),
        ("沂源县住房和城乡建设局", "县", "department", "山东省", "淄博市", "沂源县"),
        ("平潭综合实验区管委会", "市", "zone", "福建省", "福州市", "平潭县"),
        ("县科技局", None, "department", None, None, None),
    ],
)
def test_classify(name, level, kind, province, city, county) -> None:
    u = classify(name)
    assert (u.level, u.kind, u.province, u.city, u.county) == (level, kind, province, city, county)
    assert u.name == name and u.key == agency_key(name)


def test_townships_and_street_offices_are_governments() -> None:
    u = classify("沂源县南麻街道办事处")
    assert (u.level, u.kind, u.county, u.township) == ("乡镇", "township", "沂源县", "南麻街道")
    u = classify("沛县大屯镇人民政府")
    assert (u.level, u.kind, u.township) == ("乡镇", "township", "大屯镇")
    assert kind_of("淮安市经济技术开发区管理委员会") == "government"
    assert kind_of(None) is None


def test_generated_agencies_level_and_kind() -> None:
    """Every body the generator signs with gets its kind right, and its level where the name tells."""
    from nianbao.corpus.synth import agencies

    levels = {
        "central": "国务院部门",
        "provincial": "省",
        "municipal": "市",
        "county": "县",
        "township": "乡镇",
    }
    kinds = {
        "government": "government",
        "general_office": "department",
        "department": "department",
        "township": "township",
        "street_office": "township",
        "development_zone": "zone",
    }
    rng = random.Random(3)
    wrong = []
    for _ in range(2000):
        a = agencies.sample_agency(rng)
        u = classify(a.name)
        # a county-level city named alone (义乌市教育局) is county level, as the division list says
        if u.kind != kinds[a.kind] or u.level != levels[a.level]:
            wrong.append((a.name, a.level, a.kind, u.level, u.kind))
    assert wrong == []


def test_a_bare_place_name_is_the_government():
    """平潭综合实验区2021年度…报告 is the zone's own report, due 31 March like any government's."""
    for name in ("平潭综合实验区", "朝阳区", "江苏省"):
        assert kind_of(name) == "government", name
    assert classify("平潭综合实验区").kind == "zone"
