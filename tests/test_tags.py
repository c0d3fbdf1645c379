"""Part tags of sections 一 and 六, problem tags of section 五."""

from __future__ import annotations

from nianbao.normalize.tags import section_tags
from tests.test_facts import seed_sections


def main_tags(rows: list[dict]) -> list[tuple[str, str]]:
    return [(r["tag"], r["method"]) for r in rows if r["rank"] == 1]


def test_seed_overview_by_headings() -> None:
    sections = seed_sections()
    rows = section_tags("seed", 1, sections[1])
    assert main_tags(rows) == [
        ("general", "default"),
        ("proactive", "heading"),
        ("on_request", "heading"),
        ("info_management", "heading"),
        ("platform", "heading"),
        ("oversight", "heading"),
    ]
    assert rows[0]["label"] == "总体"  # the default tag has a label too
    proactive = rows[1]
    assert proactive["heading"] == "主动公开方面" and proactive["label"] == "主动公开"
    text = sections[1]
    assert text[proactive["start"] : proactive["end"]].startswith("1、主动公开方面")


def test_seed_other_matters_by_headings() -> None:
    rows = section_tags("seed", 6, seed_sections()[6])
    assert [r["tag"] for r in rows] == ["fee", "last_year_points", "proposals", "innovation"]
    assert all(r["method"] == "heading" for r in rows)


def test_inline_headings_of_flattened_text() -> None:
    text = (
        "2021年，我区深化政务公开。（一）主动公开方面。全年主动公开信息2645条。"
        "（二）依申请公开方面。共收到70件申请。（三）政府信息管理方面。一是加强组织领导。"
        "（四）平台载体建设方面。关停政务新媒体2个。（五）监督保障方面。组织4次检查。"
    )
    assert [t for t, _ in main_tags(section_tags("d", 1, text))] == [
        "general",
        "proactive",
        "on_request",
        "info_management",
        "platform",
        "oversight",
    ]


def test_headings_run_into_their_body() -> None:
    rows = section_tags(
        "d", 1, "（一）主动公开方面2019年，通过门户网站主动公开规章13件。（二）依申请公开方面严格执行条例。"
    )
    assert [r["heading"] for r in rows] == ["主动公开方面", "依申请公开方面"]


def test_parts_by_words_without_headings() -> None:
    text = (
        "2022年，无收取信息处理费情况。本年度承办人大代表建议5件、政协委员提案3件，均已按时办结。"
        "创新开展政务公开体验日活动。"
    )
    rows = section_tags("d", 6, text)
    assert main_tags(rows) == [("fee", "keywords"), ("proposals", "keywords"), ("innovation", "keywords")]
    assert section_tags("d", 6, "无。")[0]["tag"] == "other"


def test_problems_sentence_by_sentence_with_roles() -> None:
    text = (
        "（一）存在的主要问题：政策解读形式不够丰富。政务公开渠道有限，政务新媒体作用发挥不足。"
        "工作人员业务能力有待提高。\n（二）改进措施：一是丰富政策解读形式。二是加强政府网站建设。"
        "三是规范依申请公开答复流程。"
    )
    rows = [r for r in section_tags("d", 5, text) if r["rank"] == 1]
    got = [(r["tag"], r["role"]) for r in rows]
    assert got == [
        ("other", "problem"),
        ("interpretation", "problem"),
        ("platform", "problem"),
        ("staff_training", "problem"),
        ("other", "measure"),
        ("interpretation", "measure"),
        ("platform", "measure"),
        ("request_handling", "measure"),
    ]


def test_seed_problems() -> None:
    rows = section_tags("seed", 5, seed_sections()[5])
    first = [r for r in rows if r["index"] == 0]
    assert first[0]["role"] == "problem" and first[0]["tag"] == "interaction"
    assert {r["role"] for r in rows if r["index"] > 0} == {"measure"}


def test_sections_without_a_scheme_have_no_tags() -> None:
    assert section_tags("d", 2, "主动公开政府信息40条。") == []
    assert section_tags("d", 1, "  ") == []
