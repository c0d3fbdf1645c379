"""How many generated bodies a dataset places right: province and GB/T 2260 division code.

    nianbao synth --n 1000 --out /tmp/syn && nianbao extract /tmp/syn --out /tmp/ds
    nianbao check /tmp/ds && python scripts/placement.py /tmp/syn /tmp/ds

Bodies are the agency names of the truth (``truth.jsonl``); each is looked up in the
``units`` dataset by the name the extractor read from its report.  A body whose truth is
central (no province) is left out.  A name the generator gives to bodies of several
places (an unprefixed 城关镇人民政府) counts as wrong: nothing in the report places it.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd


def main(synth: Path, out: Path) -> None:
    truth = [json.loads(line) for line in (synth / "truth.jsonl").open(encoding="utf-8")]
    docs = pd.read_parquet(out / "documents.parquet", columns=["source", "agency"])
    units = pd.read_parquet(out / "units.parquet").drop_duplicates("name").set_index("name")
    read = {Path(s).resolve(): a for s, a in zip(docs["source"], docs["agency"], strict=True)}
    bodies: dict[str, dict] = {}
    for t in truth:
        if not t.get("province"):
            continue
        b = bodies.setdefault(t["agency"], {"truth": set(), "read": set()})
        b["truth"].add((t["province"], t.get("division")))
        b["read"].add(read.get((synth / t["file"]).resolve()))
    province = division = 0
    for b in bodies.values():
        if len(b["truth"]) != 1 or len(b["read"]) != 1:
            continue
        (want_p, want_d), (name,) = next(iter(b["truth"])), b["read"]
        if name is None or name not in units.index:
            continue
        province += units.at[name, "province"] == want_p
        division += units.at[name, "division"] == want_d
    n = len(bodies)
    print(
        f"{n} bodies: province {province} ({province / n:.1%}), division code {division} ({division / n:.1%})"
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
