"""The findings across reports after a new batch: only the touched bodies are checked
again, and the result is the one a recompute over the whole corpus gives."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from nianbao.corpus.check import update_corpus_findings
from nianbao.corpus.incremental import STATE, last_work
from nianbao.corpus.manifest import CORPUS_STATE, Manifest
from nianbao.corpus.run import run_extract
from nianbao.corpus.synth.generate import generate
from nianbao.normalize.agencies import agency_key

COLUMNS = ["finding_id", "doc_id", "rule", "other_doc_id", "message", "expected", "actual"]


def _findings(out: Path) -> pd.DataFrame:
    f = pd.read_parquet(out / "findings.parquet")
    f = f[f["scope"] == "corpus"][COLUMNS].astype(str)
    return f.sort_values(COLUMNS, ignore_index=True)


def _full(out: Path, tmp: Path) -> pd.DataFrame:
    """The findings a recompute over the whole corpus writes, on a copy of the dataset."""
    copy = tmp / f"full-{len(list(tmp.iterdir()))}"
    shutil.copytree(out, copy)
    update_corpus_findings(copy, full=True)
    return _findings(copy)


def _copy_of(src: Path, dest: Path, name: str) -> None:
    """The same report signed by another body: a same-year copy across bodies."""
    raw = src.read_bytes()
    text = raw.decode("utf-8-sig") if raw.startswith(b"\xef\xbb\xbf") else raw.decode("utf-8")
    first = text.strip().splitlines()[0]
    agency = first.split("20")[0]
    dest.write_text(text.replace(agency, name), "utf-8")


def _utf8(path: Path) -> bool:
    try:
        path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


@pytest.fixture(scope="module")
def grown(tmp_path_factory) -> dict:
    tmp = tmp_path_factory.mktemp("grow")
    syn = tmp / "syn"
    generate(120, syn, formats=["txt"], seed=3)
    truth = pd.read_json(syn / "truth.jsonl", lines=True)
    # the second batch: reports of bodies with other years in the first, and new bodies
    repeated = truth[truth.duplicated("agency", keep="first")]["file"].tolist()[:5]
    single = truth[~truth["agency"].duplicated(keep=False)]["file"].tolist()
    second_files = repeated + single[: 10 - len(repeated)]
    rest = [f for f in truth["file"] if f not in second_files]
    files = [syn / f for f in rest[:50] + second_files]
    first, second = tmp / "a", tmp / "b"
    first.mkdir()
    second.mkdir()
    for f in files[:50]:
        shutil.copy(f, first / f.name)
    for f in files[50:]:
        shutil.copy(f, second / f.name)
    utf8 = [f for f in files[:50] if _utf8(f)]
    _copy_of(utf8[0], second / "copy.txt", "测试县人民政府")
    # the same body's report of the same year again, other bytes: duplicate.report
    (second / "dup.txt").write_bytes(utf8[1].read_bytes() + "\n（网页版）\n".encode())
    out = tmp / "ds"
    run_extract([first], out, jobs=1, narrative=False)
    one = last_work(out)
    run_extract([second], out, jobs=1, narrative=False)
    return {"tmp": tmp, "out": out, "one": one, "two": last_work(out), "second": second}


def test_the_first_batch_is_computed_in_full(grown) -> None:
    assert grown["one"].mode == "full"
    assert grown["one"].reports_read == 50


def test_a_new_batch_reads_only_its_bodies_and_their_other_years(grown) -> None:
    out, work = grown["out"], grown["two"]
    docs = pd.read_parquet(out / "documents.parquet")
    docs["key"] = [agency_key(a) for a in docs["agency"]]
    new = docs[[Path(s).parent == grown["second"] for s in docs["source"]]]
    touched = docs[docs["key"].isin(set(new["key"]))]
    assert work.mode == "incremental" and work.documents == 62
    assert work.changed == len(new) == 12
    assert work.bodies == new["key"].nunique()
    # the touched bodies' reports, and the one report the copy was made from (a candidate)
    assert len(touched) <= work.reports_read <= len(touched) + 1
    assert work.reports_read < 62 // 2
    assert len(touched) > len(new)  # some bodies of the batch had other years on record


def test_incremental_findings_equal_a_full_recompute(grown) -> None:
    out = grown["out"]
    mine = _findings(out)
    rules = set(mine["rule"])
    assert "copy.same_year" in rules and rules - {"copy.same_year"}  # both kinds are exercised
    pd.testing.assert_frame_equal(mine, _full(out, grown["tmp"]))


def test_a_changed_and_a_pruned_report_update_the_same_way(grown) -> None:
    out, second = grown["out"], grown["second"]
    (second / "copy.txt").write_text((second / "copy.txt").read_text("utf-8") + "\n补充说明。\n", "utf-8")
    run_extract([second], out, jobs=1, narrative=False)
    assert last_work(out).mode == "incremental"
    pd.testing.assert_frame_equal(_findings(out), _full(out, grown["tmp"]))
    run_extract([grown["tmp"] / "a", second / "copy.txt"], out, jobs=1, narrative=False, prune=True)
    work = last_work(out)
    assert work.mode == "incremental" and work.documents == 51
    pd.testing.assert_frame_equal(_findings(out), _full(out, grown["tmp"]))
    again = run_extract([grown["tmp"] / "a", second / "copy.txt"], out, jobs=1, narrative=False)
    assert again.documents == 0


def test_a_run_killed_before_the_state_was_saved_redoes_the_same_bodies(grown, tmp_path: Path) -> None:
    """Findings written, state not (a kill in between): the next run starts from the old
    state, redoes the same bodies and ends where a full recompute does."""
    out = tmp_path / "ds"
    shutil.copytree(grown["out"], out)
    old_state = (out / STATE).read_bytes()
    batch = tmp_path / "c"
    batch.mkdir()
    _copy_of(
        next(p for p in sorted((grown["tmp"] / "a").glob("*.txt")) if _utf8(p)),
        batch / "c.txt",
        "样例区人民政府",
    )
    run_extract([batch], out, jobs=1, narrative=False)
    (out / STATE).write_bytes(old_state)
    manifest = Manifest(out)
    manifest.set_meta(CORPUS_STATE, "stale")
    manifest.close()
    again = run_extract([batch], out, jobs=1, narrative=False)
    assert again.documents == 0 and again.corpus_findings is not None
    assert last_work(out).mode == "incremental" and last_work(out).changed >= 1
    pd.testing.assert_frame_equal(_findings(out), _full(out, tmp_path))
