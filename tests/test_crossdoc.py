"""Rules across reports, on generated agencies with two or more years."""

from __future__ import annotations

import pandas as pd
import pytest

from nianbao.normalize.crossdoc import FINDING_COLUMNS, crossdoc_findings
from nianbao.normalize.similarity import near_duplicates
from nianbao.normalize.spec import all_slots
from tests.test_validate import TRUTH, real_report

YIYUAN = "\n".join(real_report("2024_yiyuan_kejiju")[2].values())
HUAIAN = "\n".join(real_report("2024_huaian_szf")[2].values())


def frames(reports: list[dict]) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """documents, cells, sections for reports given as {doc_id, agency, year, values, text}."""
    docs, cells, sections = [], [], []
    for r in reports:
        tpl = r.get("template", "2021")
        docs.append(
            {"doc_id": r["doc_id"], "status": "ok", "agency": r["agency"], "year": r["year"], "template": tpl}
        )
        for t, row, col in all_slots(tpl):
            v = r.get("values", {}).get((t, row, col), 0.0)
            cells.append(
                {"doc_id": r["doc_id"], "table": t, "row": row, "col": col, "value": v, "raw": str(v)}
            )
        sections.append(
            {"doc_id": r["doc_id"], "section": 1, "title": "一、总体情况", "text": r.get("text", "")}
        )
    return pd.DataFrame(docs), pd.DataFrame(cells), pd.DataFrame(sections)


def t3_flow(new: int, carried: int, done: int, forward: int) -> dict:
    """A consistent 表三 of natural persons only (granted = processed)."""
    v = {}
    for col in ("natural_person", "total"):
        v |= {
            ("t3", "new_received", col): new,
            ("t3", "carried_over", col): carried,
            ("t3", "granted", col): done,
            ("t3", "total_processed", col): done,
            ("t3", "carried_forward", col): forward,
        }
    return v


def t2_docs(issued: int, repealed: int, in_force: int) -> dict:
    return {
        ("t2", "normative_doc", "issued"): issued,
        ("t2", "normative_doc", "repealed"): repealed,
        ("t2", "normative_doc", "in_force"): in_force,
    }


def rules(findings: pd.DataFrame) -> list[tuple]:
    return sorted(findings[["rule", "doc_id", "other_doc_id"]].itertuples(index=False, name=None))


def test_consistent_years_give_nothing() -> None:
    reports = [
        {
            "doc_id": "a22",
            "agency": "沂源县科学技术局",
            "year": 2022,
            "values": t3_flow(5, 0, 4, 1) | t2_docs(2, 0, 10),
        },
        {
            "doc_id": "a23",
            "agency": "沂源县科技局",
            "year": 2023,
            "values": t3_flow(3, 1, 4, 0) | t2_docs(3, 1, 12),
        },
        {
            "doc_id": "a24",
            "agency": "沂源县科学技术局",
            "year": 2024,
            "values": t3_flow(2, 0, 2, 0) | t2_docs(0, 0, 12),
        },
    ]
    f = crossdoc_findings(*frames(reports))
    assert list(f.columns) == list(FINDING_COLUMNS)
    assert f.empty


def test_carry_over_must_equal_last_years_carry_forward_per_column() -> None:
    reports = [
        {"doc_id": "a23", "agency": "沂源县科学技术局", "year": 2023, "values": t3_flow(5, 0, 3, 2)},
        {"doc_id": "a24", "agency": "沂源县科技局", "year": 2024, "values": t3_flow(3, 1, 4, 0)},
        {"doc_id": "b24", "agency": "沂水县科学技术局", "year": 2024, "values": t3_flow(3, 1, 4, 0)},
    ]
    f = crossdoc_findings(*frames(reports))
    assert sorted(f["col"]) == ["natural_person", "total"]
    assert set(f["rule"]) == {"crossyear.carry"} and set(f["severity"]) == {"error"}
    row = f[f["col"] == "total"].iloc[0]
    assert (row["doc_id"], row["other_doc_id"], row["expected"], row["actual"]) == ("a24", "a23", "2", "1")


def test_in_force_follows_issued_and_repealed() -> None:
    reports = [
        {"doc_id": "a23", "agency": "淮安市人民政府", "year": 2023, "values": t2_docs(5, 0, 60)},
        {"doc_id": "a24", "agency": "淮安市政府", "year": 2024, "values": t2_docs(8, 26, 66)},
    ]
    [row] = crossdoc_findings(*frames(reports)).itertuples(index=False)
    assert (row.rule, row.severity, row.row, row.expected, row.actual) == (
        "crossyear.in_force", "warning", "normative_doc", "42", "66"
    )  # fmt: skip
    # 2019 format has no 现行有效件数: no comparison across the format change
    reports[0] |= {"template": "2019", "year": 2020}
    reports[1] |= {"year": 2021}
    assert crossdoc_findings(*frames(reports)).empty


def test_all_zero_report_of_a_body_that_received_requests_other_years() -> None:
    reports = [
        {"doc_id": "a22", "agency": "沂源县科学技术局", "year": 2022, "values": t3_flow(7, 0, 7, 0)},
        {"doc_id": "a23", "agency": "沂源县科学技术局", "year": 2023},
        {"doc_id": "b23", "agency": "沂水县科学技术局", "year": 2023},  # never received any: fine
    ]
    assert rules(crossdoc_findings(*frames(reports))) == [("review.all_zero", "a23", "a22")]


def test_copy_of_last_years_own_text() -> None:
    copied = YIYUAN.replace("2024", "2025").replace("40条", "52条")
    reports = [
        {"doc_id": "a24", "agency": "沂源县科学技术局", "year": 2024, "text": YIYUAN},
        {"doc_id": "a25", "agency": "沂源县科学技术局", "year": 2025, "text": copied},
        {"doc_id": "h24", "agency": "淮安市人民政府", "year": 2024, "text": HUAIAN},
        {
            "doc_id": "h25",
            "agency": "淮安市人民政府",
            "year": 2025,
            "text": HUAIAN[: len(HUAIAN) // 3] + YIYUAN,
        },
    ]
    f = crossdoc_findings(*frames(reports))
    assert rules(f) == [("copy.previous_year", "a25", "a24")]
    assert f.iloc[0]["similarity"] > 0.95 and f.iloc[0]["severity"] == "info"


def test_copy_of_another_bodys_text_the_same_year() -> None:
    other = YIYUAN.replace("县科技局", "县教育局").replace("科技", "教育")
    reports = [
        {"doc_id": "a24", "agency": "沂源县科学技术局", "year": 2024, "text": YIYUAN},
        {"doc_id": "e24", "agency": "沂源县教育局", "year": 2024, "text": other},
        {"doc_id": "h24", "agency": "淮安市人民政府", "year": 2024, "text": HUAIAN},
        {
            "doc_id": "e23",
            "agency": "沂源县审计局",
            "year": 2023,
            "text": YIYUAN,
        },  # another year: not same-year
    ]
    f = crossdoc_findings(*frames(reports))
    assert rules(f) == [("copy.same_year", "a24", "e24"), ("copy.same_year", "e24", "a24")]
    assert (f["similarity"] > 0.85).all() and "沂源县教育局" in f.iloc[0]["message"] + f.iloc[1]["message"]


def test_real_narratives_are_not_near_duplicates() -> None:
    texts = {p.stem: "\n".join(real_report(p.stem)[2].values()) for p in TRUTH}
    assert near_duplicates(texts, 0.3) == []


@pytest.mark.parametrize("n", [300])
def test_index_finds_planted_copies_among_many(n: int) -> None:
    """LSH candidates, exact similarity: every planted copy is found, nothing else."""
    import random

    rng = random.Random(5)
    words = [YIYUAN[i : i + 7] for i in range(0, len(YIYUAN) - 7, 7)] + [
        HUAIAN[i : i + 7] for i in range(0, 3000, 7)
    ]
    texts = {f"d{i:03d}": "".join(rng.choice(words) for _ in range(120)) for i in range(n)}
    planted = {("d010", "d200"), ("d050", "d299")}
    for a, b in planted:
        texts[b] = texts[a][:-40] + "另有少量改动。"
    assert {(a, b) for a, b, _ in near_duplicates(texts, 0.8)} == planted
