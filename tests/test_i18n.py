"""The client's words: language (en | zh) of the fixed text, currency with money, labels for variables."""

from __future__ import annotations

import datetime as dt
import re
import string
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
import yaml

from segkit.config import load_config
from segkit.display import MONEY_COLUMNS, fmt, table_html
from segkit.i18n import ZH, Words, has_cjk, markdown_headings, translate, translate_mapping, words_of
from segkit.index_page import render_index
from segkit.report import StepRecord, _html_resources, export_html, load_step_notebook, notebooks_dir
from segkit.study import STEPS
from segkit.study.folder import RunFolder
from tests.conftest import copy_run

ROOT = Path(__file__).resolve().parents[1]
#: Headings a notebook's code shows with say("## ...")
SAID_HEADING = re.compile(r'say\("(#+) ([^"]+)"')


def _fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f is not None}


def test_every_translation_keeps_its_placeholders_and_markup():
    for english, chinese in ZH.items():
        assert chinese.strip(), english
        assert _fields(chinese) == _fields(english), english
        assert re.findall(r"</?\w+>", chinese) == re.findall(r"</?\w+>", english), english


def test_every_fixed_heading_of_the_reports_has_a_zh_translation():
    untranslated = []
    for step in STEPS:
        nb = load_step_notebook(notebooks_dir() / step.notebook, "zh")
        for cell in nb.cells:
            if cell.cell_type == "markdown":
                untranslated += [(step.name, h) for h in markdown_headings(cell.source) if not has_cjk(h)]
            else:
                untranslated += [(step.name, h) for _, h in SAID_HEADING.findall(cell.source) if h not in ZH]
        assert step.title in ZH, step.title
    assert untranslated == []


def test_a_zh_step_report_has_no_english_banner_navigation_or_footer(tmp_path, small_demo):
    cfg = load_config(small_demo / "study.yaml").model_copy(update={"language": "zh"})
    run = RunFolder(tmp_path / "run")
    records = [StepRecord(s.number, s.name, s.title, status="ok") for s in STEPS]
    res = _html_resources(cfg, run, records[4], records, small_demo / "study.yaml", dt.datetime(2026, 12, 5, 7))
    html = export_html(load_step_notebook(notebooks_dir() / "05_stability.py", "zh"), resources=res)
    banner = html[html.index('<header class="sk-banner">'):html.index("</header>")]
    assert "第 5 步（共 8 步） · 稳定性" in banner and ">概览</a>" in banner and "1. 目标" in banner
    assert not re.search(r"\bStep\b|Overview|Goals|Stability", banner)
    assert "由 segkit" in html and "Produced by" not in html and '<html lang="zh">' in html
    assert '<h2 id="是否存在稳定的细分？分为几个细分？">' in html or "是否存在稳定的细分？分为几个细分？" in html
    assert "Which segments are stable?" not in html


class _Headings(HTMLParser):
    """The text of every h1-h3, th and card heading."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self._open: str | None = None

    def handle_starttag(self, tag, attrs):
        if tag in ("h1", "h2", "h3", "th", "title"):
            self._open = tag
            self.texts.append("")

    def handle_endtag(self, tag):
        if tag == self._open:
            self._open = None

    def handle_data(self, data):
        if self._open:
            self.texts[-1] += data


def _manifest(run: Path, language: str) -> dict:
    cfg = load_config(run.parent / "study.yaml") if (run.parent / "study.yaml").exists() else None
    config = {**(cfg.to_dict() if cfg else {}), "language": language}
    steps = [{"step": s.name, "title": s.title, "status": "ok" if s.number <= 5 else "not run", "seconds": 1.0,
              "html": s.html} for s in STEPS]
    return {"title": "Frozen food", "run_id": "r-070000", "started": "2026-12-05T07:00:00", "status": "failed",
            "segkit_version": "0", "config": config, "steps": steps, "study_file": "study.yaml", "seed": 1}


def test_a_zh_run_index_has_no_untranslated_fixed_heading(demo_run_steps, tmp_path):
    run = copy_run(demo_run_steps[0], tmp_path / "run")
    zh = render_index(run, _manifest(run, "zh"))
    en = render_index(run, _manifest(run, "en"))
    parser = _Headings()
    parser.feed(zh)
    fixed = [t.strip() for t in parser.texts if t.strip() and t.strip() not in ("#", "Frozen food")]
    assert fixed and all(has_cjk(t) for t in fixed), [t for t in fixed if not has_cjk(t)]
    assert "细分一览" in zh and "八个步骤" in zh and '<html lang="zh-CN">' in zh
    assert "The segments at a glance" in en and "细分一览" not in en
    assert "未运行" in zh and ">not run<" not in zh


def test_currency_goes_with_every_money_figure_and_heading():
    df = pd.DataFrame({"segment": [1, 2], "profit": [1234.4, -56.0], "money excluded": [10.5, 0.25],
                       "share": [0.5, 0.5]})
    with words_of(Words(currency="¥")):
        html = table_html(df, formats={"money excluded": "cents", "share": "pct"})
        said = fmt(1234567.8, "money")
    assert "<th>profit (¥)</th>" in html and "<th>money excluded (¥)</th>" in html and "<th>share</th>" in html
    assert "<td class=\"num\">1,234</td>" in html and "<td class=\"num\">10.50</td>" in html
    assert said == "¥1,234,568"
    with words_of(Words(currency="CNY")):
        assert fmt(-5.0, "cents") == "-CNY 5.00"
    assert fmt(1234.4, "money") == "1,234" and "<th>profit</th>" in table_html(df)


def test_every_money_feature_carries_the_currency():
    from segkit.features import FEATURE_DEFINITIONS

    money = set(FEATURE_DEFINITIONS.loc[FEATURE_DEFINITIONS.unit.str.startswith("currency"), "name"])
    assert money and money <= MONEY_COLUMNS


def test_labels_replace_variable_names_in_headings_and_cells():
    df = pd.DataFrame({"variable": ["recency_days", "frequency"], "recency_days": [3.0, 4.0]})
    words = Words(language="zh", labels={"recency_days": "距上次购买天数"})
    with words_of(words):
        html = table_html(df, caption="Target segments")
    assert "<th>距上次购买天数</th>" in html and "<td>距上次购买天数</td>" in html and "<td>frequency</td>" in html
    assert "<th>变量</th>" in html and "<caption>目标细分</caption>" in html


def test_a_mapping_of_english_text_is_translated_for_part_a():
    assert translate_mapping({"h": "Target segments", "x": "no entry"}, "zh") == {"h": "目标细分", "x": "no entry"}
    assert translate("Target segments", "en") == "Target segments"


def test_the_study_words_reach_in_process_steps(make_study, tmp_path, monkeypatch):
    import segkit.study.goals as goals
    from segkit.i18n import current
    from segkit.study.context import run_steps

    seen = {}
    original = goals.run

    def spy(ctx):
        seen["words"] = current()
        return original(ctx)

    monkeypatch.setattr(goals, "run", spy)
    run_steps(tmp_path / "run", make_study(language="zh", currency="¥"), ["goals"])
    assert (seen["words"].language, seen["words"].currency) == ("zh", "¥")
    assert current() == Words()  # nothing leaks out of the run


def test_sentences_use_the_language_for_headings_and_labels_for_variables(monkeypatch):
    import IPython.display

    from segkit.display import callout, say

    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda obj: shown.append(getattr(obj, "data", obj)))
    with words_of(Words(language="zh", labels={"monetary_avg": "平均订单金额"})):
        say("## Where the {what} comes from", what="spend")
        say("A sentence no catalog knows: {s}", s="monetary_avg +1.8 SD, monetary avg <b>")
        callout("{n} of {total} methods are feasible with these data.", n=3, total=11)
    assert shown[0] == "## spend来自哪里"
    assert shown[1] == r"A sentence no catalog knows: 平均订单金额 \+1\.8 SD, 平均订单金额 &lt;b&gt;"
    assert "在这些数据下，11 种方法中有 3 种可行。" in shown[2]


def test_a_run_from_before_the_words_existed_is_reused_as_english(small_demo):
    from segkit.study.reuse import reuse_differences

    cfg = load_config(small_demo / "study.yaml")
    inputs = {"transactions": {"sha256": "a" * 64}}
    old = {k: v for k, v in cfg.to_dict().items() if k not in ("language", "currency", "labels")}
    manifest = {"config": old, "inputs": inputs, "steps": [{"step": s.name, "status": "ok"} for s in STEPS]}
    assert reuse_differences(manifest, cfg, inputs, list(STEPS[:1])) == []
    zh = cfg.model_copy(update={"language": "zh"})
    assert reuse_differences(manifest, zh, inputs, list(STEPS[:1])) == [
        "setting 'language' changed: 'en' in that run, 'zh' now"]


@pytest.mark.parametrize(("language", "noted"), [("zh", True), ("en", False)])
def test_a_page_says_when_no_cjk_font_is_installed(make_study, tmp_path, monkeypatch, language, noted):
    import IPython.display

    import segkit.plots
    from segkit.study.context import NO_CJK_FONT, open_step

    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda obj: shown.append(getattr(obj, "data", obj)))
    monkeypatch.setattr(segkit.plots, "set_theme", lambda: None)  # as on a machine without a CJK font
    with words_of(Words()):
        open_step("goals", tmp_path / "run", make_study(language=language))
        said = translate(NO_CJK_FONT, language)
    assert any(said in str(s) for s in shown) is noted
    assert "fonts-noto-cjk" in said


def _english_left(html: str, english: dict[str, str]) -> list[str]:
    """The English fixed texts (their words outside placeholders) that a zh page still shows."""
    left = []
    for text in english.values():
        # the words between placeholders; a piece the translation keeps (" · segkit ") is no sign of English
        pieces = [p for p in re.split(r"\{[^}]*\}", text) if len(p.strip(" .,:;()")) > 3 and p not in ZH[text]]
        if any(escape_html(p) in html for p in pieces):
            left.append(text)
    return left


def _catalog_left(text: str) -> list[str]:
    """The catalog's English sentences and templates (words between placeholders, 12 characters or more) in ``text``."""
    left = []
    for english, chinese in ZH.items():
        if "{" not in english and len(english) < 25:
            continue  # a single word or heading may rightly stay in a name or a client's own text
        pieces = [p for p in re.split(r"\{[^}]*\}", english) if len(p.strip(" .,:;()")) >= 12 and p not in chinese]
        if any(p in text or escape_html(p) in text for p in pieces):
            left.append(english)
    return left


def escape_html(text: str) -> str:
    """As the pages' templates escape text (an apostrophe as &#39;)."""
    from markupsafe import escape

    return str(escape(text))


def test_a_zh_summary_page_and_the_index_lead_have_no_english_fixed_text(demo_run_steps, tmp_path):
    from segkit.exports import CUSTOMER_CSV, write_exports
    from segkit.index_page import write_index
    from segkit.summary import SUMMARY_TEXT, write_summary

    run = RunFolder(copy_run(demo_run_steps[0], tmp_path / "run"))
    export = write_exports(run.path)
    manifest = {**_manifest(run.path, "zh"), "inputs": {}}
    html = write_summary(run.path, manifest, export_rows=(export.n_rows, export.n_excluded)).read_text("utf-8")
    assert '<html lang="zh-CN">' in html and "<h2>答案</h2>" in html and "<h2>下一步做什么</h2>" in html
    assert f"将 {CUSTOMER_CSV} 导入 CRM：每位客户一行（共 {export.n_rows:,} 行）" in html
    assert _english_left(html, SUMMARY_TEXT) == []
    index = write_index(run.path, manifest).read_text("utf-8")
    assert '<b>执行摘要</b></a>：问题、答案' in index and f"<code>{CUSTOMER_CSV}</code>" in index
    assert "Executive summary" not in index and "the question, the answer" not in index


def test_a_run_without_segments_has_a_summary_page_that_says_why(demo_run_steps, tmp_path):
    """Every step page links summary.html: a run that failed before step 5 has one, saying so."""
    from segkit.report import write_handover
    from segkit.study import artifacts

    run = RunFolder(tmp_path / "run")
    run.path.mkdir()
    for language, expected in (("en", "step 4 failed (no customer has a purchase before the cut-off)"),
                               ("zh", "第 4 步失败（no customer has a purchase before the cut-off）")):
        manifest = _manifest(run.path, language)
        manifest["steps"][3].update(status="failed", error="no customer has a purchase before the cut-off")
        cfg = load_config(ROOT / "data" / "demo" / "study.yaml").model_copy(update={"language": language})
        said: list[str] = []
        write_handover(run, manifest, cfg, said.append)
        html = run.summary_path.read_text("utf-8")
        assert expected in html and said == [], said
        assert not run.has(artifacts.SEGMENTS) and not run.exports_dir.exists()
    index = render_index(run.path, {**_manifest(run.path, "en"), "inputs": {}})
    assert 'href="summary.html"' in index and "exports/" not in index


@pytest.fixture(scope="module")
def zh_concluded(demo_run_steps, small_demo, tmp_path_factory):
    """Steps 6-8 in zh on a copy of the small demo's steps 1-5: the run folder and its results."""
    from segkit.study.context import run_steps

    folder = tmp_path_factory.mktemp("zh")
    study = yaml.safe_load((small_demo / "study.yaml").read_text(encoding="utf-8"))
    study["data"] = {name: {**spec, "path": str(small_demo / spec["path"])} for name, spec in study["data"].items()}
    study.update(language="zh", currency="¥")
    (folder / "study.yaml").write_text(yaml.safe_dump(study, allow_unicode=True), encoding="utf-8")
    run = copy_run(demo_run_steps[0], folder / "run")
    results = run_steps(run, folder / "study.yaml", ["profiling", "validation", "iteration"])
    return RunFolder(run), results, load_config(folder / "study.yaml")


def test_a_zh_run_says_its_verdict_recommendation_and_summary_in_zh(zh_concluded):
    """The sentences built from the data are translated templates: no English template of the catalog is left."""
    from segkit.exports import write_exports
    from segkit.index_page import write_index
    from segkit.study import artifacts
    from segkit.summary import SUMMARY_TEXT, write_summary

    run, results, cfg = zh_concluded
    verdict = run.read(artifacts.VERDICT)
    validation = results["validation"]
    assert has_cjk(verdict["summary"]) and _catalog_left(verdict["summary"]) == []
    assert verdict["summary"].startswith(f"{validation.n_passed + validation.n_failed} 项")
    assert f"中有 {validation.n_passed} 项通过" in verdict["summary"]
    if verdict["against_past_spend"]:
        assert has_cjk(verdict["against_past_spend"]) and "提升 " in verdict["against_past_spend"]
    personas = [p["persona"] for p in run.read(artifacts.SEGMENT_PROFILES) if p.get("persona")]
    assert personas and all(p.startswith("细分 ") and _catalog_left(p) == [] for p in personas), personas[:1]
    evaluation = results["iteration"].evaluation
    assert evaluation is not None
    with words_of(Words(language="zh")):  # as step 8's notebook shows it
        decisions = evaluation.decision_table["决定"]
    assert set(decisions) <= {"目标", "非目标"} and (decisions == "目标").sum() == len(evaluation.targets)
    assert all(has_cjk(w) and _catalog_left(w) == [] for w in evaluation.table["why"])
    comparison = results["iteration"].comparison
    if comparison is not None:
        assert has_cjk(comparison.reason) and _catalog_left(comparison.reason) == []

    manifest = {"title": "Frozen food", "run_id": "r-zh", "started": "2026-12-05T07:00:00", "status": "ok",
                "segkit_version": "0", "config": cfg.to_dict(), "steps": [], "study_file": "study.yaml",
                "seed": 1, "inputs": {}}
    export = write_exports(run.path)
    summary = write_summary(run.path, manifest, export_rows=(export.n_rows, export.n_excluded)).read_text("utf-8")
    index = write_index(run.path, manifest).read_text("utf-8")
    # steps 1-5 ran in English here (the shared fixture): their names, actions and reasons are left out of the check
    step5 = [escape_html(str(seg[k])) for seg in run.read(artifacts.SEGMENTS) for k in ("name", "action", "description")
             if seg.get(k)]
    step5 += [escape_html(str(run.read(a).get(k) or "")) for a, k in
              ((artifacts.METHOD, "reason_short"), (artifacts.SEGMENTATION, "reason")) if run.read(a).get(k)]
    summary, index = (re.sub("|".join(map(re.escape, step5)), "", page) for page in (summary, index))
    assert _english_left(summary, SUMMARY_TEXT) == [] and _catalog_left(summary) == []
    assert verdict["summary"] in summary or escape_html(verdict["summary"]) in summary
    # the study file's own criteria are the client's words, shown as written (English in the demo's file)
    client = [escape_html(str(r["criterion"])) for r in verdict["table"] if str(r["criterion"]) not in ZH]
    assert client and _catalog_left(re.sub("|".join(map(re.escape, client)), "", index)) == []
    assert "对照研究目标的结论" in index and "通过" in index
    assert re.search(r"\(\d{4}-\d\d-\d\d 至 \d{4}-\d\d-\d\d\)", index)  # the data's span


def test_generated_segment_names_and_actions_are_in_zh():
    """Names are the catalog's words joined the zh way; actions are translated templates with their numbers."""
    from segkit.methods.naming import describe_segments

    X = pd.DataFrame({"recency_days": [5, 6, 300, 310], "frequency": [9, 8, 1, 2],
                      "monetary_avg": [40.0, 42.0, 10.0, 12.0]})
    with words_of(Words(language="zh")):
        zh = describe_segments(X, [1, 1, 2, 2])
    en = describe_segments(X, [1, 1, 2, 2])
    assert zh["name"].tolist() == ["近期购买、大额订单、高频", "流失、小额订单、低频"]
    assert en["name"].tolist() == ["Recent, big-basket, frequent", "Lapsed, small-basket, infrequent"]
    for action, english in zip(zh["action"], en["action"]):
        assert has_cjk(action) and _catalog_left(action) == []
        # the same numbers, in the same order, as the English action
        assert re.findall(r"[+-]\d\.\d SD", action) == re.findall(r"[+-]\d\.\d SD", english)


def test_the_method_reason_is_in_zh_and_chooses_the_same_method(demo_run_steps):
    from segkit.methods.feasibility import choose_method
    from segkit.study import artifacts

    run = RunFolder(demo_run_steps[0])
    brief, inventory = run.read(artifacts.BRIEF), run.read(artifacts.INVENTORY)
    en = choose_method(brief, inventory, basis_kind=inventory["basis_kind"], k_max=8)
    with words_of(Words(language="zh")):
        zh = choose_method(brief, inventory, basis_kind=inventory["basis_kind"], k_max=8)
    assert zh[0] == en[0] and has_cjk(zh[1]) and not has_cjk(en[1])
    assert zh[1].startswith(f"{en[0]}（得分 ") and _catalog_left(zh[1]) == []
    # the methods the data rule out, and why, in zh too
    assert "Not feasible: " in en[1] and "needs " in en[1] and "不可行：" in zh[1] and "needs " not in zh[1]
    # the same scores, in the same order
    assert re.findall(r"\d+\.\d", zh[1]) == re.findall(r"\d+\.\d", en[1])


def test_every_say_and_callout_template_of_the_reports_has_a_zh_translation():
    """A sentence with data is translated as its English template, before the values go in."""
    import ast

    untranslated = []
    for step in STEPS:
        tree = ast.parse((notebooks_dir() / step.notebook).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) in ("say", "callout") and node.args:
                first = node.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    text = first.value
                    # a heading is checked above; a bare placeholder ("{note}") holds a sentence made elsewhere
                    if not text.startswith("#") and _fields(text) != {text.strip("{}- ")} and text not in ZH:
                        untranslated.append((step.name, text[:60]))
    assert untranslated == []


@pytest.mark.parametrize("medians, managerial", [
    ([0.80, 0.79, 0.70], None), ([0.80, 0.80, 0.70], None), ([0.70, 0.80, 0.79], None),
    ([0.50, 0.55, 0.52], None), ([0.80, 0.60, 0.70], 3), ([0.80, 0.79, 0.70], 2)])
def test_the_choice_of_k_is_said_in_zh_with_the_same_numbers(medians, managerial):
    from segkit.stability._global import choose_k

    summary = pd.DataFrame({"k": [2, 3, 4], "median": medians, "q25": [m - 0.05 for m in medians],
                            "q75": [m + 0.03 for m in medians]})
    en = choose_k(summary, managerial_k=managerial)
    with words_of(Words(language="zh")):
        zh = choose_k(summary, managerial_k=managerial)
    assert zh[:2] == en[:2] and has_cjk(zh[2]) and _catalog_left(zh[2]) == []
    assert re.findall(r"\d\.\d\d", zh[2]) == re.findall(r"\d\.\d\d", en[2])
