"""The spec copy inside the package, and the integrity of the label tables read from it."""

from __future__ import annotations

import pytest

from nianbao.normalize import labels as L
from nianbao.normalize.spec import TABLES, TEMPLATES, all_slots, table_spec
from tests.conftest import FIXTURES, SHARED

PACKAGE_SPEC = FIXTURES.parent.parent / "normalize" / "data" / "standard_tables.toml"


def test_packaged_spec_equals_shared_spec():
    shared = SHARED / "spec" / "standard_tables.toml"
    if not shared.exists():
        pytest.skip("../shared is not present in this checkout")
    assert PACKAGE_SPEC.read_bytes() == shared.read_bytes()


@pytest.mark.parametrize("template", TEMPLATES)
def test_slot_counts(template):
    counts = {t: len(table_spec(t, template).slots()) for t in TABLES}
    assert counts == (
        {"t2": 10, "t3": 175, "t4": 15} if template == "2021" else {"t2": 22, "t3": 161, "t4": 15}
    )
    assert len(set(all_slots(template))) == len(all_slots(template))


@pytest.mark.parametrize("template", TEMPLATES)
@pytest.mark.parametrize("table", ["t2", "t3"])
def test_every_label_and_alias_maps_to_its_own_row(table, template):
    matcher = L.row_matcher(table, template)
    for row in table_spec(table, template).rows:
        for label in (row.label, *row.aliases):
            assert matcher.match(label) == row.key, label


@pytest.mark.parametrize("template", TEMPLATES)
def test_no_folded_label_claimed_twice(template):
    for table in ("t2", "t3"):
        cores = [L.core(lab) for r in table_spec(table, template).rows for lab in (r.label, *r.aliases)]
        assert len(cores) == len(set(cores)), table


def test_column_labels_map_back():
    for template in TEMPLATES:
        for key, label in table_spec("t2", template).col_labels.items():
            assert L.t2_col(label, template) == key
    assert set(L.t3_col_labels().values()) == set(table_spec("t3", "2021").col_labels)
