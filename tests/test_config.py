import pytest

from segkit.config import load_config, parse_config
from segkit.errors import ConfigError

BASE = {
    "name": "x",
    "goal": {"statement": "find valuable shoppers"},
    "data": {"transactions": {"path": "t.csv"}},
    "basis": ["recency_days"],
    "cutoff": "2025-01-01",
}


def test_defaults():
    cfg = parse_config(BASE)
    assert cfg.method == "auto" and cfg.k_range == (2, 8) and cfg.seed == 2026
    assert cfg.engine.name == "duckdb" and cfg.engine.memory_limit is None


def test_spark_engine():
    cfg = parse_config({**BASE, "engine": {"name": "pyspark", "master": "spark://h:7077",
                                           "conf": {"spark.executor.memory": "8g"}}})
    assert (cfg.engine.name, cfg.engine.master, cfg.engine.conf) == (
        "pyspark", "spark://h:7077", {"spark.executor.memory": "8g"})


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"colour": "red"}, r"(?s)unknown key 'colour'.*allowed top-level keys: basis, currency, cutoff"),
        ({"method": "kmeanz"}, r"'method': got 'kmeanz'; input should be 'auto', 'kmeans'"),
        ({"k_range": [5, 2]}, r"'k_range': k_range must be \[low, high\] with 2 <= low <= high <= 30"),
        ({"n_boot": "many"}, r"'n_boot': Input should be a valid integer"),
        ({"goal": {"statement": "s", "horizn": "long"}}, r"unknown key 'goal.horizn'"),
        ({"goal": {"statement": "s", "horizon": "medium"}},
         r"'goal.horizon': got 'medium'; input should be 'short' or 'long'"),
        ({"cutoff": None}, r"cutoff is required when data.transactions is given"),
        ({"data": {}}, r"give at least one of data.transactions or data.survey"),
        ({"descriptors": ["recency_days"]}, r"both basis and descriptor: \['recency_days'\]"),
        ({"data": {"transactions": {"path": "t.csv", "encodng": "gbk"}}}, r"unknown key 'data.transactions.encodng'"),
        ({"name": "my study!"}, r"'name': String should match pattern"),
        ({"method": "classify_stratify"}, r"needs a 'stratify' section"),
        ({"engine": {"name": "spark"}}, r"'engine.name': got 'spark'; input should be 'duckdb' or 'pyspark'"),
        ({"engine": {"master": "yarn"}}, r"'engine': master and conf are Spark settings; they need name: pyspark"),
        ({"engine": {"name": "pyspark", "memory_limit": "8GB"}}, r"memory_limit is a DuckDB setting"),
        ({"engine": {"name": "pyspark", "cores": 4}}, r"unknown key 'engine.cores'"),
        ({"language": "fr"}, r"'language': got 'fr'; input should be 'en' or 'zh'"),
        ({"currency": "¥ "}, r"'currency': currency '¥ ' must be a code such as CNY or a symbol"),
        ({"currency": "Renminbi"}, r"'currency': String should have at most 5 characters"),
        ({"labels": {"frequency": "orders", "recency_days": "orders"}},
         r"'labels': variables 'frequency' and 'recency_days' are both labelled 'orders'"),
        ({"labels": {"frequency": " "}}, r"'labels': variable 'frequency' has an empty label"),
    ],
)
def test_bad_values_are_named(change, message):
    with pytest.raises(ConfigError, match=message):
        parse_config({**BASE, **change}, source="s.yaml")


def test_paths_resolve_against_the_study_file(tmp_path):
    (tmp_path / "study.yaml").write_text(
        "name: x\ngoal: {statement: s}\ndata: {survey: {path: sub/s.csv}}\nbasis: [a]\n", encoding="utf-8")
    cfg = load_config(tmp_path / "study.yaml")
    assert cfg.input_files() == {"survey": (tmp_path / "sub" / "s.csv").resolve()}


def test_missing_and_invalid_files(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "nope.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: [unclosed\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(bad)
    bad.write_text("- a list\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="must be a mapping"):
        load_config(bad)


def test_demo_study_files_are_valid():
    from pathlib import Path

    root = Path(__file__).resolve().parents[1] / "data" / "demo"
    assert load_config(root / "study.yaml").method == "auto"
    assert load_config(root / "survey_study.yaml").data.transactions is None


def test_impossible_date_is_a_config_error(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("name: x\ncutoff: 2025-09-31\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"s.yaml holds a date that does not exist: day is out of range for month"):
        load_config(path)


def test_transaction_column_names_are_checked():
    data = {"transactions": {"path": "t.csv", "columns": {"promtion": "Promo"}}}
    with pytest.raises(ConfigError, match=r"'data.transactions.columns': unknown transaction column 'promtion'; "
                                          r"did you mean 'promotion'\?"):
        parse_config({**BASE, "data": data})
    # customer attributes may have any name
    parse_config({**BASE, "data": {**data, "transactions": {"path": "t.csv"}, "customers": {
        "path": "c.csv", "columns": {"age": "Alter"}}}})


def test_the_clients_words_are_read():
    cfg = parse_config({**BASE, "language": "zh", "currency": "¥", "labels": {"recency_days": "距上次购买天数 "}},
                       source="s.yaml")
    assert (cfg.language, cfg.currency, cfg.labels) == ("zh", "¥", {"recency_days": "距上次购买天数"})
    assert parse_config(BASE, source="s.yaml").language == "en"
