"""Segmentation: one tokenizer per process, the field's terms whole, spans into the given text."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from nianbao.normalize import segment
from nianbao.normalize.segment import clean_text, cut, domain_words, get_tokenizer, token_rows


@pytest.fixture(scope="session")
def tokenizer():
    return get_tokenizer()


def test_one_tokenizer_per_process(tokenizer) -> None:
    assert get_tokenizer() is tokenizer
    assert segment.startup_seconds() is not None


@pytest.mark.parametrize(
    "term",
    [
        "依申请公开",
        "主动公开",
        "规范性文件",
        "行政复议",
        "行政诉讼",
        "三安全一稳定",
        "信息处理费",
        "政务新媒体",
    ],
)
def test_domain_terms_stay_whole(tokenizer, term: str) -> None:
    sentences = [
        f"本年度{term}工作稳步推进。",
        f"无因{term}引发的问题，危及{term}的除外。",
    ]
    for sentence in sentences:
        assert term in cut(sentence), (term, cut(sentence))


def test_seed_sentence_keeps_yishenqing_whole(tokenizer) -> None:
    assert "依申请公开" in cut("无因依申请公开引发的行政复议案件。")


def test_every_dictionary_word_is_one_token_alone(tokenizer) -> None:
    for word in domain_words():
        assert cut(word) == [word], word


def test_clean_text_joins_wrapped_lines_and_maps_back() -> None:
    text = (
        "（一）主动公开情况。2024 年，市政府网站主动公开各类政\n"
        "府信息 5500 余条，全年新增公开市政府规章 1 件、市政府及市\n"
        "政府办政策性文件 11 件，通过文字、图片等形式制作政策解读\n"
        "- 1 -\n"
        "21 个，制作公报。\n"
        "（二）依申请公开情况。OA 系统 1 0 0"
    )
    clean = clean_text(text)
    first, second = clean.text.split("\n")
    assert "各类政府信息5500余条" in first and "政策解读21个" in first
    assert second == "（二）依申请公开情况。OA系统1 0 0"
    i = clean.text.index("5500余条")
    start, end = clean.span(i, i + len("5500余条"))
    assert text[start:end] == "5500 余条"


def test_short_lines_stay_paragraphs() -> None:
    text = "1、主动公开方面\n全年主动公开政府信息40条。\n2、依申请公开情况\n收到申请1件。"
    assert clean_text(text).text.split("\n") == [
        "1、主动公开方面",
        "全年主动公开政府信息40条。",
        "2、依申请公开情况",
        "收到申请1件。",
    ]


def test_token_rows_are_compact_and_point_into_the_text(tokenizer) -> None:
    text = (
        "1、主动公开方面\n　全年主动公开政府信息40条，其中规范性文件1件。\n\n2、依申请公开情况\n收到申请1件。"
    )
    rows = token_rows("d", 1, text)
    assert set(rows[0]) == {"doc_id", "section", "paragraph", "position", "start", "token"}
    assert all(text[r["start"] : r["start"] + len(r["token"])] == r["token"] for r in rows)
    assert not any(r["token"] in "，。、" for r in rows)
    assert [r["token"] for r in rows if r["paragraph"] == 0] == ["1", "主动公开", "方面"]
    assert [r["position"] for r in rows if r["paragraph"] == 0] == [0, 1, 2]
    assert {r["paragraph"] for r in rows} == {0, 1, 2, 3}


def test_pos_is_optional(tokenizer) -> None:
    rows = token_rows("d", 1, "收到依申请公开申请1件。", pos=True)
    assert all("pos" in r for r in rows)
    assert next(r for r in rows if r["token"] == "依申请公开")["pos"] == "n"


def test_stopwords_are_data() -> None:
    assert {"的", "和", "其中"} <= segment.stopwords()


def test_build_is_quiet_and_uses_the_cache_dir(tmp_path) -> None:
    env = {**os.environ, "NIANBAO_CACHE_DIR": str(tmp_path), segment.SEGMENTER_ENV: "jieba"}
    code = "from nianbao.normalize.segment import cut; cut('依申请公开')"
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert done.stderr == ""
    assert (tmp_path / "jieba.cache").exists()


def _segmenter_in_a_fresh_process(**env: str) -> str:
    code = (
        "import sys; from nianbao.normalize.segment import cut, get_tokenizer; cut('依申请公开'); "
        "print(type(get_tokenizer()).__name__, 'jieba' in sys.modules)"
    )
    environ = {k: v for k, v in os.environ.items() if k != segment.SEGMENTER_ENV}
    done = subprocess.run(
        [sys.executable, "-c", code], env={**environ, **env}, capture_output=True, text=True, check=True
    )
    assert done.stderr == ""
    return done.stdout.strip()


def test_rjieba_where_installed_and_jieba_when_asked() -> None:
    pytest.importorskip("rjieba")
    # jieba is not even imported (its import alone costs ~0.4 s a process)
    assert _segmenter_in_a_fresh_process() == "FastTokenizer False"
    assert _segmenter_in_a_fresh_process(**{segment.SEGMENTER_ENV: "jieba"}) == "Tokenizer True"


# Runs of letters, digits and marks: where jieba-rs alone would differ from jieba.
ODD_RUNS = [
    "2020-03-27",
    "2021-2035年",
    "增长3.5%，共计1,234件",
    "电话0533-1234567或12345热线",
    "网址www.gov.cn/zwgk/index.html",
    "邮箱abc@foo.com",
    "No.1文件",
    "COVID-19疫情",
    "5G网络",
    "〔2021〕12号文",
    "Ｏ２Ｏ全角",
    "1.2.3版本",
    "A-B类",
    "C++和C#编程",
    "约50%的申请",
    "10:30开会",
    "OA系统上线",
    "e-mail地址",
    "a.b.c",
    "PM2.5浓度",
    "x_y变量",
    "2023.12.31前",
    "iPhone12和T恤",
    "①②③",
]


def _paragraphs_of(paths) -> list[str]:
    from nianbao.normalize.pipeline import process

    out = []
    for path in paths:
        try:
            report = process(path.read_bytes(), str(path), "x")
        except Exception:  # not a report (a truth file, a note): nothing to segment
            continue
        for section in report.sections:
            clean = clean_text(section.text)
            out += [clean.text[a:b] for _, a, b in segment.paragraphs(clean) if b > a]
    return out


def test_rjieba_gives_the_tokens_of_jieba(tmp_path) -> None:
    """On every paragraph of the real reports and of generated ones (ordinary and hard), and
    on the odd runs above, the compiled segmenter's tokens are jieba's, domain terms whole."""
    pytest.importorskip("rjieba")
    from nianbao.corpus.synth import generate
    from tests.conftest import FIXTURES

    generate(16, tmp_path / "synth", seed=3, error_rate=0.3)
    generate(16, tmp_path / "hard", seed=4, hard=True)
    files = [p for p in sorted(FIXTURES.rglob("*")) if p.is_file() and "truth" not in p.parts]
    files += sorted((tmp_path / "synth").iterdir()) + sorted((tmp_path / "hard").iterdir())
    texts = _paragraphs_of(files)
    assert len(texts) > 500
    texts += ODD_RUNS
    fast, slow = segment.FastTokenizer(), segment.jieba_tokenizer()
    differ = [(t, list(slow.cut(t)), fast.cut(t)) for t in texts if fast.cut(t) != list(slow.cut(t))]
    assert not differ, differ[:5]
    assert "依申请公开" in fast.cut("无因依申请公开引发的行政复议案件。")
