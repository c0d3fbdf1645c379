"""The report generator: truth is complete and consistent, files open, output is reproducible."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import docx
import lxml.html
import pdfplumber
import pytest

from nianbao.corpus.synth import generate, report, truth
from nianbao.corpus.synth.cells import format_number, number_style, read_back
from nianbao.corpus.synth.generate import _rng, error_indices
from nianbao.normalize.numbers import parse_number
from nianbao.normalize.spec import all_slots, t3_applicant_cols, t4_groups, t4_outcomes, table_spec

NULL_MARKS = {"", "—", "-", "/", "无"}
N_DOCS = 12
ERROR_RATE = 0.5


def _load(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


@pytest.fixture(scope="module")
def clean(tmp_path_factory) -> tuple[Path, list[dict]]:
    out = tmp_path_factory.mktemp("clean")
    seen: list[int] = []
    truth = generate(8, out, seed=3, progress=seen.append)
    assert seen == list(range(1, 9))
    return out, _load(truth)


@pytest.fixture(scope="module")
def noisy(tmp_path_factory) -> tuple[Path, list[dict]]:
    out = tmp_path_factory.mktemp("noisy")
    return out, _load(generate(N_DOCS, out, error_rate=ERROR_RATE, seed=11))


def _broken(rec: dict) -> list[tuple]:
    """Rule instances broken by the truth's cells, computed here independently of the generator."""
    v = {(c["table"], c["row"], c["col"]): c["value"] or 0 for c in rec["cells"]}
    rows = table_spec("t3", rec["template"]).row_keys
    outcomes = rows[rows.index("granted") : rows.index("total_processed")]
    cols = (*t3_applicant_cols(), "total")
    out: list[tuple] = []
    for c in cols:
        t3 = {r: v[("t3", r, c)] for r in rows}
        if t3["new_received"] + t3["carried_over"] != t3["total_processed"] + t3["carried_forward"]:
            out.append(("t3.balance", c))
    for c in cols:
        if v[("t3", "total_processed", c)] != sum(v[("t3", r, c)] for r in outcomes):
            out.append(("t3.outcome_sum", c))
    for r in rows:
        if v[("t3", r, "total")] != sum(v[("t3", r, c)] for c in t3_applicant_cols()):
            out.append(("t3.row_total", r))
    for g in t4_groups():
        parts = sum(v[("t4", "count", f"{g}.{o}")] for o in t4_outcomes() if o != "total")
        if v[("t4", "count", f"{g}.total")] != parts:
            out.append(("t4.group_total", g))
    return out


def _recorded(rec: dict) -> list[tuple]:
    return [(b["rule"], b.get("col") or b.get("row") or b.get("group")) for b in rec["broken"]]


def test_clean_documents_keep_every_identity(clean):
    _, recs = clean
    for rec in recs:
        assert rec["broken"] == [] and rec["error"] is None
        assert _broken(rec) == []
        for name, n in rec["narrative_counts"].items():
            assert n["agrees"] in (True, None), (rec["file"], name, n)


def test_broken_documents_are_recorded_and_really_broken(noisy):
    _, recs = noisy
    with_error = [r for r in recs if r["error"]]
    assert len(with_error) == round(N_DOCS * ERROR_RATE)
    for rec in recs:
        assert sorted(_recorded(rec)) == sorted(_broken(rec)), rec["file"]
        if rec["error"] is None:
            assert rec["broken"] == []
            continue
        assert rec["broken"], rec["file"]
        cells = {(c["table"], c["row"], c["col"]): c["value"] for c in rec["cells"]}
        for ch in rec["error"]["cells"]:
            assert (cells[(ch["table"], ch["row"], ch["col"])] or 0) == ch["printed"] != ch["correct"]


def test_cells_cover_the_template_slots(noisy):
    _, recs = noisy
    for rec in recs:
        assert [(c["table"], c["row"], c["col"]) for c in rec["cells"]] == all_slots(rec["template"])
        for c in rec["cells"]:
            assert (c["value"] is None) == (c["raw"].strip(" 　") in NULL_MARKS), c
        assert rec["template"] == ("2019" if rec["year"] <= 2020 else "2021")
        assert [s["section"] for s in rec["sections"]] == [1, 2, 3, 4, 5, 6]
        assert dt.date.fromisoformat(rec["published"]).year in (rec["year"], rec["year"] + 1)


def test_every_format_opens_in_its_library(noisy):
    out, recs = noisy
    assert {r["format"] for r in recs} == {"docx", "pdf", "html", "txt"}
    for rec in recs:
        data = (out / rec["file"]).read_bytes()
        agency = rec["agency"]
        if rec["format"] == "docx":
            d = docx.Document(io.BytesIO(data))
            text = "\n".join(p.text for p in d.paragraphs)
            assert len(d.tables) >= 3
        elif rec["format"] == "pdf":
            with pdfplumber.open(io.BytesIO(data)) as pdf:
                assert len(pdf.pages) == rec["pages"] >= 2
                text = "".join(p.extract_text() or "" for p in pdf.pages).replace("\n", "")
        elif rec["format"] == "html":
            text = lxml.html.document_fromstring(data).text_content()
        else:
            text = data.decode(rec["encoding"])
        assert agency in text, rec["file"]
        for s in rec["sections"]:
            assert s["title"].replace(" ", "") in text.replace(" ", ""), (rec["file"], s)


def test_same_seed_same_bytes(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    generate(4, a, seed=5, error_rate=0.5)
    env = {**os.environ, "PYTHONHASHSEED": "12345"}  # a different process and hash seed
    code = f"from pathlib import Path; from nianbao.corpus.synth import generate; generate(4, Path({str(b)!r}), seed=5, error_rate=0.5)"
    subprocess.run([sys.executable, "-c", code], check=True, env=env)
    files = sorted(p.name for p in a.iterdir())
    assert files == sorted(p.name for p in b.iterdir())
    for name in files:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    c = tmp_path / "c"
    generate(4, c, seed=6)
    assert (c / "truth.jsonl").read_bytes() != (a / "truth.jsonl").read_bytes()


def test_template_and_format_choice(tmp_path):
    recs = _load(generate(3, tmp_path, formats=["txt"], template="2019", seed=1))
    assert {r["template"] for r in recs} == {"2019"} and {r["format"] for r in recs} == {"txt"}
    with pytest.raises(ValueError):
        generate(1, tmp_path, formats=["doc"])


def _same_number(value, raw: str) -> bool:
    parsed = parse_number(raw)
    return (value is None and parsed is None) or (value is not None and parsed == value)


def test_every_truth_value_is_the_printed_number(tmp_path):
    """Over a few dozen documents of every format, truth ``value`` == parse_number(``raw``)."""
    recs = _load(generate(40, tmp_path, error_rate=0.3, seed=7))
    assert {r["format"] for r in recs} == {"docx", "pdf", "html", "txt"}
    for rec in recs:
        for c in rec["cells"]:
            assert _same_number(c["value"], c["raw"]), (rec["file"], c)


def test_fee_amount_is_printed_at_its_own_precision():
    """0016_2023.docx of ``synth --n 400 --seed 11 --error-rate 0.2`` once printed 2.9029 as 2.90."""
    rep = report.build("docx", "mixed", _rng(11, 16), with_error=16 in error_indices(400, 0.2, 11))
    rec = truth.record(rep, "0016_2023.docx", "docx", None)
    fee = next(c for c in rec["cells"] if c["col"] == "fee_amount_wan")
    assert fee["value"] == 2.9029 and parse_number(fee["raw"]) == 2.9029
    for c in rec["cells"]:
        assert _same_number(c["value"], c["raw"]), c


@pytest.mark.parametrize("v", [0, 7, 1234, 56789, 2.9, 2.9029, 0.0125, 1234.56, 0.5])
def test_format_number_reads_back_as_printed(v):
    rng = _rng(0, "fmt", v)
    for _ in range(200):
        style = number_style(rng)
        for money, unit in ((False, ""), (True, ""), (True, "元")):
            raw = format_number(v, style, rng, money=money, unit=unit)
            assert _same_number(read_back(raw, v), raw), (v, raw)
