"""Issuing bodies of every level and kind, named as they sign their reports.

``level``: central, provincial, municipal, county, township.
``kind``: government (人民政府), general_office (办公厅/办公室), department (部/厅/委/局),
township (乡镇人民政府), street_office (街道办事处), development_zone (开发区管委会).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace

from nianbao.normalize.divisions import code_of, townships_of

CENTRAL_DEPARTMENTS = (
    "国家发展和改革委员会", "教育部", "科学技术部", "工业和信息化部", "公安部", "民政部",
    "司法部", "财政部", "人力资源和社会保障部", "自然资源部", "生态环境部", "住房和城乡建设部",
    "交通运输部", "水利部", "农业农村部", "商务部", "文化和旅游部", "国家卫生健康委员会",
    "应急管理部", "审计署", "国家市场监督管理总局", "国家税务总局", "国家统计局",
    "国家医疗保障局", "国家林业和草原局", "国家知识产权局", "海关总署", "国家药品监督管理局",
)  # fmt: skip

# province -> (short name used for depts, {city: [counties/districts]})
PROVINCES: dict[str, dict[str, tuple[str, ...]]] = {
    "山东省": {"淄博市": ("沂源县", "张店区", "桓台县"), "临沂市": ("兰陵县", "沂水县", "罗庄区"),
              "潍坊市": ("寿光市", "青州市", "奎文区")},
    "江苏省": {"淮安市": ("涟水县", "清江浦区", "盱眙县"), "苏州市": ("昆山市", "吴江区", "常熟市"),
              "徐州市": ("沛县", "铜山区", "邳州市")},
    "浙江省": {"温州市": ("瑞安市", "乐清市", "鹿城区"), "金华市": ("义乌市", "东阳市", "婺城区")},
    "福建省": {"福州市": ("闽侯县", "长乐区", "平潭县"), "泉州市": ("晋江市", "南安市", "安溪县")},
    "河南省": {"洛阳市": ("偃师区", "孟津区", "栾川县"), "南阳市": ("邓州市", "唐河县", "西峡县")},
    "四川省": {"绵阳市": ("江油市", "三台县", "涪城区"), "甘孜藏族自治州": ("康定市", "泸定县", "理塘县")},
    "湖北省": {"宜昌市": ("当阳市", "枝江市", "西陵区"), "襄阳市": ("枣阳市", "谷城县", "樊城区")},
    "广东省": {"佛山市": ("南海区", "顺德区", "三水区"), "湛江市": ("雷州市", "徐闻县", "赤坎区")},
    "河北省": {"保定市": ("涿州市", "定州市", "满城区"), "邯郸市": ("武安市", "涉县", "丛台区")},
    "湖南省": {"株洲市": ("醴陵市", "攸县", "天元区"), "湘西土家族苗族自治州": ("吉首市", "凤凰县", "泸溪县")},
    "广西壮族自治区": {"桂林市": ("阳朔县", "临桂区", "兴安县"), "柳州市": ("柳江区", "融安县", "鹿寨县")},
    "内蒙古自治区": {"包头市": ("昆都仑区", "固阳县", "土默特右旗"), "赤峰市": ("宁城县", "红山区", "林西县")},
    "云南省": {"曲靖市": ("宣威市", "陆良县", "麒麟区"), "大理白族自治州": ("大理市", "宾川县", "洱源县")},
    "陕西省": {"宝鸡市": ("凤翔区", "岐山县", "眉县"), "汉中市": ("城固县", "勉县", "汉台区")},
    "黑龙江省": {"齐齐哈尔市": ("讷河市", "龙江县", "建华区"), "牡丹江市": ("海林市", "宁安市", "东安区")},
    "北京市": {"": ("朝阳区", "海淀区", "密云区", "延庆区")},
    "上海市": {"": ("浦东新区", "闵行区", "崇明区", "奉贤区")},
    "重庆市": {"": ("万州区", "涪陵区", "云阳县", "石柱土家族自治县")},
}  # fmt: skip
MUNICIPALITIES = ("北京市", "上海市", "天津市", "重庆市")

PROVINCIAL_DEPTS = (
    "教育厅", "科学技术厅", "公安厅", "民政厅", "司法厅", "财政厅", "人力资源和社会保障厅",
    "自然资源厅", "生态环境厅", "住房和城乡建设厅", "交通运输厅", "水利厅", "农业农村厅",
    "商务厅", "文化和旅游厅", "卫生健康委员会", "发展和改革委员会", "应急管理厅",
    "市场监督管理局", "医疗保障局", "统计局", "审计厅",
)  # fmt: skip
LOCAL_DEPTS = (
    "发展和改革委员会", "教育局", "科学技术局", "公安局", "民政局", "司法局", "财政局",
    "人力资源和社会保障局", "自然资源和规划局", "生态环境局", "住房和城乡建设局", "交通运输局",
    "水利局", "农业农村局", "商务局", "文化和旅游局", "卫生健康委员会", "应急管理局",
    "市场监督管理局", "医疗保障局", "统计局", "审计局", "城市管理局", "退役军人事务局",
)  # fmt: skip
TOWN_STEMS = (
    "城关", "新安", "石桥", "东坝", "南河", "柳林", "青山", "龙泉", "马家", "白沙", "双河",
    "桃源", "高坪", "金川", "长岭", "大营", "永兴", "安乐", "红星", "太平", "清水", "黄土",
)  # fmt: skip
ZONE_NAMES = ("经济技术开发区", "高新技术产业开发区", "经济开发区", "工业园区")


@dataclass(frozen=True, slots=True)
class Agency:
    """One issuing body: full name as signed, level, kind, and how its text refers to itself."""

    name: str
    level: str
    kind: str
    province: str
    self_ref: tuple[str, ...]  # "我局", "本机关" ...
    area_ref: str  # "我县", "全市" ... the area a government speaks for ("" for departments)
    city: str = ""  # the city and county drawn, whether the name says them or not
    county: str = ""

    @property
    def division(self) -> str | None:
        """The GB/T 2260 code of the place drawn: county, else city, else province."""
        if not self.province:
            return None
        return code_of(self.province, self.city or None, self.county or None)


def _dept_ref(name: str) -> tuple[str, ...]:
    if name.endswith("委员会"):
        return ("我委", "本机关")
    if name.endswith("厅"):
        return ("我厅", "本机关")
    if name.endswith("部"):
        return ("我部", "本部门")
    if name.endswith("署"):
        return ("我署", "本机关")
    return ("我局", "本局", "本机关")


def sample_agency(rng: random.Random) -> Agency:
    """Draw a body: many small ones (county departments, townships), few central ones."""
    drawn: dict[str, str] = {}
    agency = _sample(rng, drawn)
    return replace(agency, **drawn) if drawn else agency


def _sample(rng: random.Random, drawn: dict[str, str]) -> Agency:
    level = rng.choices(["central", "provincial", "municipal", "county", "township"], [4, 10, 22, 40, 24])[0]
    if level == "central":
        if rng.random() < 0.1:
            return Agency("国务院办公厅", level, "general_office", "", ("国务院办公厅", "本机关"), "")
        name = rng.choice(CENTRAL_DEPARTMENTS)
        return Agency(name, level, "department", "", _dept_ref(name), "")
    province = rng.choice(list(PROVINCES))
    cities = PROVINCES[province]
    muni = province in MUNICIPALITIES
    if level == "provincial":
        r = rng.random()
        if r < 0.2:
            return Agency(f"{province}人民政府", level, "government", province, ("省政府",), "全省")
        if r < 0.3:
            return Agency(f"{province}人民政府办公厅", level, "general_office", province, ("本机关",), "")
        dept = rng.choice(LOCAL_DEPTS if muni else PROVINCIAL_DEPTS)
        return Agency(f"{province}{dept}", level, "department", province, _dept_ref(dept), "")
    city = rng.choice(list(cities))
    if muni:  # districts of a municipality act at county level
        city = ""
        if level == "municipal":
            level = "county"
    drawn["city"] = city
    if level == "municipal":
        r = rng.random()
        if r < 0.2:
            return Agency(f"{city}人民政府", level, "government", province, ("市政府",), "全市")
        if r < 0.28:
            return Agency(f"{city}人民政府办公室", level, "general_office", province, ("市政府办公室",), "")
        if r < 0.36:
            stem = city[:2]
            zone = rng.choice(ZONE_NAMES)
            tail = rng.choice(("管理委员会", "管委会"))
            return Agency(f"{stem}{zone}{tail}", level, "development_zone", province, ("管委会",), "全区")
        dept = rng.choice(LOCAL_DEPTS)
        return Agency(f"{city}{dept}", level, "department", province, _dept_ref(dept), "")
    county = rng.choice(cities[city] if city else cities[""])
    drawn["county"] = county
    unit = county[-1] if county[-1] in "县区市旗" else "县"
    if level == "county":
        r = rng.random()
        if r < 0.25:
            ref = {"县": "我县", "区": "我区", "市": "我市", "旗": "我旗"}[unit]
            return Agency(f"{county}人民政府", level, "government", province, (f"{unit}政府",), ref)
        if r < 0.32:
            return Agency(
                f"{county}人民政府办公室", level, "general_office", province, (f"{unit}政府办",), ""
            )
        dept = rng.choice(LOCAL_DEPTS)
        return Agency(f"{county}{dept}", level, "department", province, _dept_ref(dept), "")
    stem = rng.choice(TOWN_STEMS)
    prefix = county if rng.random() < 0.5 else ""
    code = code_of(province, city or None, county)
    street = unit == "区" and rng.random() < 0.7
    if street and ((real := _real_township(code, ("街道",), stem)) or not code):
        return Agency(
            f"{prefix}{real or stem + '街道'}办事处",
            level,
            "street_office",
            province,
            ("我街道", "本街道"),
            "辖区",
        )
    town = rng.choice(("镇", "镇", "乡"))
    real = _real_township(code, (town,), stem) or _real_township(code, ("镇", "乡"), stem)
    town = real[-1] if real else town
    return Agency(
        f"{prefix}{real or stem + town}人民政府", level, "township", province, (f"我{town}",), f"全{town}"
    )


def _real_township(county_code: str | None, endings: tuple[str, ...], stem: str) -> str | None:
    """One of the county's real townships ending in ``endings`` (the national list), chosen
    by the stem drawn (no extra draw: the other bodies of a seed stay the same); None if none."""
    names = [n for _c, n in townships_of(county_code)] if county_code else []
    names = [n for n in names if n.endswith(endings)]
    return names[TOWN_STEMS.index(stem) % len(names)] if names else None
