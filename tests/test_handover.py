"""What a consultant hands over (issue 14, part A): the per-customer export, the segment workbook, keyed
pseudonyms, one stylesheet per run folder, and no personal data or machine path in what is sent."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import copy_run

from segkit.exports import CUSTOMER_EXPORT, SEGMENT_WORKBOOK, customer_export, pseudonyms, write_exports
from segkit.pages import head_styles, stylesheet_text, write_page
from segkit.study import artifacts
from segkit.study.context import run_steps
from segkit.study.folder import RunFolder

FIRST_FIVE = ["goals", "resources", "method", "data", "stability"]
#: the planted personal data of the client file
EMAIL_DOMAIN = "@client-mail.example"


def _input_ids(*frames: pd.DataFrame) -> set[str]:
    return set().union(*(set(f["customer_id"].dropna().astype(str)) for f in frames))


def test_export_has_one_row_per_customer_of_the_demo(demo_run_steps, small_demo, tmp_path):
    run = copy_run(demo_run_steps[0], tmp_path / "run")
    export = write_exports(run)
    customers = pd.read_csv(small_demo / "customers.csv", dtype=str)
    transactions = pd.read_parquet(small_demo / "transactions.parquet")
    # the demo's survey answers of ids unknown to the customers are no customers of the firm
    expected = _input_ids(customers, transactions)
    t = export.table
    assert t["customer_id"].is_unique and set(t["customer_id"]) == expected and len(t) == len(expected)
    segmented = RunFolder(run).read(artifacts.ASSIGNMENTS)
    assert (t["status"] == "segmented").sum() == len(segmented)
    assert export.n_excluded == len(expected) - len(segmented) > 0
    # every customer left out says why; every segmented one has a segment and its basis features
    out = t.loc[t["status"] != "segmented"]
    assert out["reason"].str.len().gt(0).all() and out["segment"].isna().all()
    seg = t.loc[t["status"] == "segmented"]
    assert seg["segment"].notna().all() and seg[export.basis].notna().all().all()
    assert set(export.basis) == {"recency_days", "frequency", "monetary_avg", "promo_share", "tenure_days"}
    # the files a CRM imports: the CSV, the Excel workbook with a sheet of reasons, the segment workbook
    folder = RunFolder(run).exports_dir
    csv = pd.read_csv(folder / f"{CUSTOMER_EXPORT}.csv", dtype={"customer_id": str}, encoding="utf-8-sig")
    assert len(csv) == len(expected) and list(csv.columns) == list(t.columns)
    xl = pd.read_excel(folder / f"{CUSTOMER_EXPORT}.xlsx", sheet_name=None, engine="openpyxl")
    assert len(xl["customers"]) == len(expected)
    assert xl["why not segmented"]["customers"].sum() == len(expected)


def test_segment_workbook_is_formatted(demo_run_steps, tmp_path):
    from openpyxl import load_workbook

    run = copy_run(demo_run_steps[0], tmp_path / "run")
    write_exports(run)
    wb = load_workbook(RunFolder(run).exports_dir / SEGMENT_WORKBOOK)
    ws = wb["segments"]
    segments = RunFolder(run).read(artifacts.SEGMENTS)
    assert ws.max_row == len(segments) + 1
    assert ws.freeze_panes == "A2" and ws["A1"].font.bold
    header = [c.value for c in ws[1]]
    share = header.index("share") + 1
    assert ws.cell(row=2, column=share).number_format == "0.0%"
    assert ws.column_dimensions["B"].width > 10  # the names are readable without resizing


@pytest.fixture(scope="module")
def client_run(tmp_path_factory):
    """Steps 1-5 on a minimal client file (customer id, date, amount) with planted e-mails, names and phones.

    Customers left out for every reason: lines without an id, only a purchase after the cut-off, only a
    zero amount, in the customers file without any purchase.
    """
    rng = np.random.default_rng(3)
    folder = tmp_path_factory.mktemp("client")
    n = 150
    ids = [f"K{i:04d}" for i in range(n)]
    rows = []
    for i, cid in enumerate(ids[:-4]):
        for _ in range(1 + i % 6):
            rows.append((cid, pd.Timestamp("2024-01-01") + pd.Timedelta(days=int(rng.integers(0, 600))),
                         round(float(rng.gamma(2, 20 + 10 * (i % 3))), 2)))
    rows.append((ids[-4], pd.Timestamp("2025-10-15"), 30.0))   # first purchase after the cut-off
    rows.append((ids[-3], pd.Timestamp("2025-03-01"), 0.0))    # only a zero amount
    rows.append((None, pd.Timestamp("2025-03-02"), 12.0))      # no customer id
    tx = pd.DataFrame(rows, columns=["customer_id", "date", "amount"])
    tx.to_csv(folder / "tx.csv", index=False)
    customers = pd.DataFrame({"customer_id": ids, "name": [f"Person {i} Surname{i}" for i in range(n)],
                              "email": [f"p{i}{EMAIL_DOMAIN}" for i in range(n)],
                              "phone": [f"+86 138 0000 {i:04d}" for i in range(n)],
                              "region": [["east", "west", "north"][i % 3] for i in range(n)]})
    customers.to_csv(folder / "customers.csv", index=False)
    study = {"name": "client", "goal": {"statement": "Find valuable customers", "kpi": "revenue"},
             "data": {"transactions": {"path": "tx.csv"}, "customers": {"path": "customers.csv"}},
             "basis": ["recency_days", "frequency", "monetary_avg"], "descriptors": ["region"],
             "cutoff": "2025-09-30", "method": "kmeans", "k_range": [3, 3], "n_boot": 4, "n_init": 2}
    (folder / "study.yaml").write_text(yaml.safe_dump(study), encoding="utf-8")
    run = folder / "run"
    run_steps(run, folder / "study.yaml", FIRST_FIVE)
    return folder, run, tx, customers


def test_export_has_one_row_per_customer_of_a_minimal_client_file(client_run):
    folder, run, tx, customers = client_run
    export = customer_export(run)
    t = export.table.set_index("customer_id")
    expected = _input_ids(tx, customers)
    assert len(t) == len(expected) and set(t.index) == expected
    ids = customers["customer_id"]
    assert "after the cut-off" in t.loc[ids.iloc[-4], "reason"]
    assert t.loc[ids.iloc[-3], "reason"] == "excluded by the data audit: zero or negative prices"
    assert "no purchase in the transactions" in t.loc[ids.iloc[-2], "reason"]
    assert (t["status"] == "segmented").sum() == len(RunFolder(run).read(artifacts.ASSIGNMENTS))


def test_no_artifact_or_export_holds_personal_columns(client_run):
    folder, run, _, customers = client_run
    write_exports(run)
    emails = set(customers["email"])
    for path in sorted(Path(run).rglob("*")):
        if path.suffix == ".parquet":
            t = pd.read_parquet(path)
            assert not {"name", "email", "phone"} & set(t.columns), path.name
            assert not t.astype(str).isin(emails).any().any(), path.name
        elif path.suffix in (".json", ".csv", ".html"):
            text = path.read_text(encoding="utf-8-sig")
            assert EMAIL_DOMAIN not in text and "Surname" not in text, path.name
    # the descriptor the study names stays
    assert "region" in RunFolder(run).read(artifacts.TABLE_CUSTOMERS)


def test_pseudonyms_are_keyed_and_stable(client_run):
    _, run, _, _ = client_run
    raw = customer_export(run).table
    a = customer_export(run, key="key one").table
    b = customer_export(run, key="key one").table
    c = customer_export(run, key="key two").table
    assert a["customer_id"].tolist() == b["customer_id"].tolist()  # same key, same pseudonyms
    assert a["customer_id"].is_unique and not set(a["customer_id"]) & set(raw["customer_id"])
    assert not set(a["customer_id"]) & set(c["customer_id"])  # another key, other pseudonyms
    assert a.drop(columns="customer_id").equals(raw.drop(columns="customer_id"))
    # a plain hash of the id would be guessable from a list of candidate ids; the key makes it not so
    assert pseudonyms(pd.Series(["K0001"]), "k").item() != pseudonyms(pd.Series(["K0001"]), "k2").item()


def test_pseudonymise_without_a_key_is_refused(monkeypatch):
    from segkit.config import ShareSpec
    from segkit.errors import ConfigError
    from segkit.exports import PSEUDONYM_KEY_ENV, pseudonym_key

    monkeypatch.delenv(PSEUDONYM_KEY_ENV, raising=False)
    assert pseudonym_key(ShareSpec()) is None
    with pytest.raises(ConfigError, match=PSEUDONYM_KEY_ENV):
        pseudonym_key(ShareSpec(pseudonymise=True))
    monkeypatch.setenv(PSEUDONYM_KEY_ENV, "from-env")
    assert pseudonym_key(ShareSpec(pseudonymise=True)) == "from-env"
    assert pseudonym_key(ShareSpec(pseudonymise=True, pseudonym_key="own")) == "own"
    assert "pseudonym_key" not in ShareSpec(pseudonymise=True, pseudonym_key="own").model_dump()


def test_pages_link_one_stylesheet(tmp_path):
    run = RunFolder(tmp_path / "run")
    run.path.mkdir()
    import nbformat

    from segkit.report import export_html

    page = export_html(nbformat.v4.new_notebook(), resources={"study_title": "T", "steps": []})
    assert len(page) > 200_000  # nbconvert embeds JupyterLab's stylesheet in every page
    for name in ("01_goals.html", "02_resources.html"):
        write_page(run, run.path / name, page)
    sizes = [len((run.path / n).read_text(encoding="utf-8")) for n in ("01_goals.html", "02_resources.html")]
    assert max(sizes) < 10_000
    html = (run.path / "01_goals.html").read_text(encoding="utf-8")
    assert f'<link rel="stylesheet" href="{RunFolder.STYLESHEET}">' in html  # relative: a zipped folder renders
    assert head_styles(html)[1] == []
    assert run.stylesheet_path.read_text(encoding="utf-8") == stylesheet_text()
    assert ".sk-banner" in stylesheet_text()  # segkit's own rules are in it too


def test_workbook_takes_missing_text_and_wide_columns(tmp_path):
    """A text column with missing values (a survey study's sheet) gets a width; long text is capped and wrapped."""
    from openpyxl import load_workbook

    from segkit.exports import write_workbook

    df = pd.DataFrame({"name": pd.array(["a", None, "c"], dtype="string"), "action": ["x" * 200, "y", None],
                       "share": [0.1, 0.5, np.nan], "customers": [1200, 30, 7]})
    path = write_workbook(tmp_path / "w.xlsx", {"a sheet name longer than Excel's 31 characters": df})
    ws = load_workbook(path).active
    assert ws.title == "a sheet name longer than Excel'"
    assert ws.column_dimensions["B"].width == 60 and ws["B2"].alignment.wrap_text
    assert ws["C2"].number_format == "0.0%" and ws["D2"].number_format == "#,##0"


def test_figures_are_stored_compact_and_transparent_ones_untouched():
    """An executed notebook's PNG figures shrink to a palette; a figure with transparency is left as it is."""
    import base64
    import io

    import matplotlib
    import nbformat

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from segkit.pages import compact_notebook_images

    def png(transparent: bool) -> str:
        fig, ax = plt.subplots(figsize=(5, 4))
        ax.scatter(np.arange(300), np.sin(np.arange(300) / 9), c=np.arange(300), alpha=0.5)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", transparent=transparent)
        plt.close(fig)
        return base64.b64encode(buf.getvalue()).decode()

    opaque, clear = png(False), png(True)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("", outputs=[
        nbformat.v4.new_output("display_data", data={"image/png": opaque}),
        nbformat.v4.new_output("display_data", data={"image/png": clear})])])
    out = compact_notebook_images(nb).cells[0]["outputs"]
    assert len(out[0]["data"]["image/png"]) < 0.6 * len(opaque)
    assert out[1]["data"]["image/png"] == clear
