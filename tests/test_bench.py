"""The end-to-end benchmark harness (scripts/bench.py) keeps working: a tiny run per format."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

from nianbao.corpus.synth import FORMATS

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "bench.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("nianbao_bench", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_tiny_run_writes_every_format(bench, tmp_path):
    md, raw = tmp_path / "BENCHMARKS.md", tmp_path / "bench.json"
    argv = ["--n", "2", "--error-rate", "0.5", "--work", str(tmp_path / "work"), "--md", str(md)]
    assert bench.main([*argv, "--json", str(raw), "--stage-sample", "2"]) == 0
    results = {r["format"]: r for r in json.loads(raw.read_text("utf-8"))["results"]}
    assert list(results) == list(FORMATS)
    for fmt, r in results.items():
        assert r["docs"] == 2 and r["run"]["cpu"] > 0 and r["run"]["peak_mb"] > 10
        s = r["scores"]
        assert s["documents"] == 2 and s["failed"] == 0, fmt
        assert s["broken"] > 0 and s["clean"] == 1, fmt  # one of the two has a broken identity
        assert 99 <= s["cells_exact_%"] <= 100 and set(r["stages"]) == {
            "read",
            "map+validate",
            "narrative",
            "rows",
        }
    assert results["pdf"]["pages"] >= 2 and results["docx"]["pages"] is None
    # the plain libraries read the same files in the same run; TXT has none
    for fmt in ("pdf", "docx", "html"):
        assert results[fmt]["plain"]["cpu"] > 0 and results[fmt]["plain"]["returncode"] == 0, fmt
        assert results[fmt]["plain_library"], fmt
    assert results["txt"]["plain"] is None
    text = md.read_text("utf-8")
    assert text.count("## N = 2 documents per format") == 1
    for fmt in FORMATS:
        assert f"\n| {fmt} | 2 | " in text
    for needle in (
        "python scripts/bench.py --n 2",
        "nproc ",
        "ram ",
        "python 3.",
        "| format | docs | docs/s |",
        "Against the plain library, on the same files in the same run",
        "| pdf | ",
        "| pdfplumber extract_text + extract_tables per page | ",
    ):
        assert needle in text


def test_a_run_replaces_the_section_of_the_same_n(bench, tmp_path):
    md = tmp_path / "B.md"
    bench.write_markdown(md, "## N = 10 documents per format (a)\n\nold ten\n", 10)
    bench.write_markdown(md, "## N = 1000 documents per format (b)\n\nthousand\n", 1000)
    bench.write_markdown(md, "## N = 10 documents per format (c)\n\nnew ten\n", 10)
    text = md.read_text("utf-8")
    assert text.startswith("# Benchmarks") and text.count("# Benchmarks") == 1
    assert "old ten" not in text and "new ten" in text and "thousand" in text
    assert text.index("N = 1000") < text.index("N = 10 ")


def test_a_run_keeps_the_other_sections(bench, tmp_path):
    md = tmp_path / "B.md"
    bench.write_markdown(md, "## N = 10 documents per format (a)\n\nold ten\n", 10)
    md.write_text(md.read_text("utf-8") + "\n## Corpus runs: 10,000 reports\n\ncorpus table\n", "utf-8")
    bench.write_markdown(md, "## N = 10 documents per format (b)\n\nnew ten\n", 10)
    text = md.read_text("utf-8")
    assert "new ten" in text and "old ten" not in text
    assert "corpus table" in text and text.index("new ten") < text.index("## Corpus runs")
