"""Glue of the steps: errors about computed basis columns name the input they come from."""

import pandas as pd
import pytest

from segkit.config import parse_config
from segkit.errors import DataError
from segkit.pipeline import prepare_study_basis

STUDY = {
    "name": "x",
    "goal": {"statement": "find valuable shoppers"},
    "data": {"transactions": {"path": "sales.csv", "columns": {"promotion": "Promo"}}},
    "basis": ["frequency", "promo_share"],
    "cutoff": "2025-01-01",
}


def test_constant_computed_basis_names_file_and_source_columns():
    cfg = parse_config(STUDY)
    table = pd.DataFrame({"customer_id": list("abcd"), "frequency": [1, 3, 2, 5], "promo_share": [0.0] * 4})
    with pytest.raises(DataError) as err:
        prepare_study_basis(cfg, table)
    assert str(err.value) == (
        "file sales.csv, column 'promo_share': has the same value (0.0) for every customer, so it cannot "
        "separate segments; drop it from the basis (computed from the transactions' columns 'date', 'amount', "
        "'Promo')"
    )


def test_other_basis_errors_pass_through():
    cfg = parse_config({**STUDY, "basis": ["frequency", "age"]})
    table = pd.DataFrame({"customer_id": list("abc"), "frequency": [1, 3, 2], "age": [None] * 3})
    with pytest.raises(DataError, match=r"^column 'age': is entirely missing \(3 customers\)"):
        prepare_study_basis(cfg, table)
    good = prepare_study_basis(cfg, table.assign(age=[30, 40, 50]))
    assert list(good.X.columns) == ["frequency", "age"]
