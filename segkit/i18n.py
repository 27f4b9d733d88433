"""The client's words: the language of the reports' fixed text, the currency and the variables' labels.

Fixed text (headings, callout and sentence templates, table headings, the index and the page
banners) is written in English in the code and looked up here by that English text: a catalog
per language maps it to the translation, placeholders such as ``{n}`` kept. Text with no entry
stays English, so adding a language never breaks a report; a test lists every heading that has
no entry. Anything keyed by English text (a mapping of labels, say) is translated with
:func:`translate_mapping`.

The study's choices (``language``, ``currency``, ``labels``) are set once per step with
:func:`use_words` (``open_step`` and ``run_steps`` do it) and read by :mod:`segkit.display`,
so every table and sentence of a report uses them without each notebook passing them on.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

__all__ = ["CATALOGS", "LANGUAGES", "SEPARATORS", "Words", "current", "has_cjk", "join", "money_label", "translate",
           "translate_mapping",
           "relabel", "translate_markdown", "use_words", "words_of"]

#: The languages a study file may choose for its reports; English is the text of the code itself.
LANGUAGES = ("en", "zh")

#: Simplified Chinese, keyed by the English text of the code (headings keep their Markdown ``#``s off).
ZH: dict[str, str] = {
    # pages, banners, navigation, footers
    "Customer segmentation study": "客户细分研究",
    "segmentation study": "细分研究",
    "Overview": "概览",
    "Summary": "摘要",
    "Step {n} of 8": "第 {n} 步（共 8 步）",
    "Run {run}": "运行 {run}",
    "started {when}": "开始于 {when}",
    "re-used from run {run}": "沿用运行 {run} 的结果",
    "FAILED": "失败",
    "This step failed: {error}. The output up to the failure is shown below; later steps were not run.":
        "此步骤失败：{error}。下方显示失败之前的输出；后续步骤未运行。",
    "Produced by segkit {version} from study file {study}; inputs and settings are recorded in manifest.json. "
    "The executed notebook is notebooks/{notebook}.":
        "由 segkit {version} 根据研究文件 {study} 生成；输入与设置记录在 manifest.json 中。"
        "执行过的笔记本为 notebooks/{notebook}。",
    "Produced by segkit {version} from study file {study}; inputs and settings are recorded in manifest.json.":
        "由 segkit {version} 根据研究文件 {study} 生成；输入与设置记录在 manifest.json 中。",
    # the eight steps
    "Goals": "目标",
    "Resources": "资源",
    "Method": "方法",
    "Data": "数据",
    "Stability": "稳定性",
    "Profiling": "画像",
    "Validation": "验证",
    "Iteration": "迭代",
    # the index
    "Goal": "目标",
    "KPI:": "关键绩效指标：",
    "Horizon:": "期限：",
    "short-term": "短期",
    "long-term": "长期",
    "{rows} rows, {customers} customers": "{rows} 行，{customers} 位客户",
    "{start} to {end}": "{start} 至 {end}",
    "Cut-off:": "截止日期：",
    "{k} segments": "{k} 个细分",
    "Why this method, and the alternatives": "为何选择此方法，以及其他备选方法",
    "Verdict": "结论",
    "Against the obvious heuristic:": "与直观经验法则相比：",
    "Over time:": "随时间变化：",
    "Verdict against the brief": "对照研究目标的结论",
    "Result": "结果",
    "Criterion": "标准",
    "Kind": "类型",
    "Measured": "测量值",
    "Threshold": "阈值",
    "Evidence": "依据",
    "The segments at a glance": "细分一览",
    "Segment": "细分",
    "Customers": "客户数",
    "Share": "占比",
    "Value share": "价值占比",
    "What to do": "行动建议",
    "The eight steps": "八个步骤",
    "Step": "步骤",
    "Report": "报告",
    "Status": "状态",
    "Seconds": "秒",
    "ok": "完成",
    "failed": "失败",
    "reused": "沿用",
    "not run": "未运行",
    "This step was not run, because step {number} ({title}) failed before it; its report [{html}]({html}) shows "
    "the error.": "此步骤未运行，因为之前的第 {number} 步（{title}）失败；其报告 [{html}]({html}) 显示了错误。",
    "from {run}": "来自 {run}",
    "pass": "通过",
    "FAIL": "未通过",
    "team judges": "由团队判断",
    "not measured": "未测量",
    "success": "成功标准",
    "knock-out": "淘汰标准",
    "Step {step} failed: {error}. Its report shows the output up to the failure; the steps after it were not run.":
        "第 {step} 步失败：{error}。其报告显示失败之前的输出；之后的步骤未运行。",
    "Total {seconds} s. Inputs, their SHA-256, settings, seed and package versions:":
        "共 {seconds} 秒。输入文件及其 SHA-256、设置、随机种子和软件包版本：",
    "Executed notebooks:": "执行过的笔记本：",
    "Data handed between steps:": "步骤之间传递的数据：",
    "Study file {study} · seed {seed}": "研究文件 {study} · 随机种子 {seed}",
    "segkit commit": "segkit 提交",
    "running": "运行中",
    "run interrupted before it finished": "运行在完成前被中断",
    "run FAILED at step {step}": "运行在第 {step} 步失败",
    "all eight steps completed": "八个步骤全部完成",
    "steps {first}-{last} re-used from run {run}": "第 {first}-{last} 步沿用运行 {run} 的结果",
    "{steps} run": "{steps} 已运行",
    "{steps} not run": "{steps} 未运行",
    # headings of the step reports
    "What this segmentation is for": "本次细分的用途",
    "Success criteria": "成功标准",
    "Knock-out criteria": "淘汰标准",
    "Attractiveness criteria": "吸引力标准",
    "What data the study has": "研究拥有哪些数据",
    "How the tables join": "各数据表如何关联",
    "Which methods the data make feasible": "数据支持哪些方法",
    "The method chosen": "所选方法",
    "The alternatives": "备选方法",
    "Data quality audit": "数据质量审核",
    "From the raw file to the analysed customers": "从原始文件到分析客户",
    "Customer features": "客户特征",
    "Potential value": "潜在价值",
    "Can the value models be trusted?": "价值模型是否可信？",
    "The segmentation basis": "细分依据",
    "Is there a stable segmentation, and how many segments?": "是否存在稳定的细分？分为几个细分？",
    "Which segments are stable?": "哪些细分是稳定的？",
    "Segment-level stability within the solution (SLSW)": "方案内各细分的稳定性（SLSW）",
    "How segments split and merge as k grows": "随着 k 增大，细分如何拆分与合并",
    "Latent class models: what the likelihood says about k": "潜在类别模型：似然对 k 的判断",
    "The segments": "细分结果",
    "Size and value of each segment": "各细分的规模与价值",
    "What makes each segment different": "各细分的差异所在",
    "How well the segments separate": "细分之间的区分程度",
    "Where the {what} comes from": "{what}来自哪里",
    "Who the members are: personas": "成员是谁：人物画像",
    "Are the descriptor differences real?": "描述变量的差异是否真实？",
    "How to recognise a member: the identification rule": "如何识别成员：识别规则",
    "What to do with each segment": "各细分的行动建议",
    "Whom to call first: likelihood to buy": "优先联系谁：购买可能性",
    "Target segments": "目标细分",
    "Did the segments behave differently afterwards?": "细分在截止日期之后的行为是否不同？",
    "Do the segments beat ranking by past spend?": "细分是否优于按历史消费排序？",
    "Does potential value rank future buyers?": "潜在价值能否为未来购买者排序？",
    "Do the segments replicate?": "细分能否复现？",
    "Segmentation is a process": "细分是一个持续的过程",
    "Migration between segments": "细分之间的迁移",
    "Drift in sizes and profiles": "规模与画像的漂移",
    "Selecting the target segments": "选择目标细分",
    "profit": "利润",
    "spend": "消费额",
    # fixed sentences and callouts of the step reports
    "<b>Goal.</b> {goal}": "<b>目标。</b>{goal}",
    "**Owner of the segmentation:** {owner}": "**细分负责人**：{owner}",
    "**Minimum segment share:** {share} of the customer base.": "**最小细分占比**：客户总数的 {share}。",
    "_The study file gives no success criteria, so segkit's defaults are used._":
        "_研究文件未给出成功标准，因此使用 segkit 的默认标准。_",
    "_The study file gives no knock-out criteria, so segkit's defaults are used._":
        "_研究文件未给出淘汰标准，因此使用 segkit 的默认标准。_",
    "_The study file gives no attractiveness criteria, so segkit's defaults are used._":
        "_研究文件未给出吸引力标准，因此使用 segkit 的默认标准。_",
    "{n} of {total} methods are feasible with these data.": "在这些数据下，{total} 种方法中有 {n} 种可行。",
    "Only one table was given, so there is nothing to join.": "只提供了一个数据表，因此无需关联。",
    "**What it does:** {desc}": "**作用**：{desc}",
    "No rule found anything to fix: every row passed every check.":
        "没有规则发现需要修正之处：每一行都通过了全部检查。",
    "{n} customers lack a value in a basis variable and are left out of the segmentation.":
        "{n} 位客户缺少某个细分依据变量的值，未纳入细分。",
    "**{n}** customers enter the segmentation on **{p}** basis variables.":
        "**{n}** 位客户基于 **{p}** 个细分依据变量进入细分。",
    "Not available without transactions.": "没有交易数据，无法提供。",
    "Not applicable to a rule-based scheme.": "不适用于基于规则的方案。",
    "Not shown: the method could not be fitted for the numbers of segments next to k = {k} ({why})":
        "未显示：该方法无法拟合 k = {k} 附近的细分数（{why}）",
    "Criteria the data cannot measure, left for the team to judge: {c}.": "数据无法测量、留给团队判断的标准：{c}。",
    "Cross-validated AUC of the score: **{auc}**.": "评分的交叉验证 AUC：**{auc}**。",
    "This run is compared with {what}.": "本次运行与{what}进行比较。",
    "<b>Recommendation: {decision}.</b> {reasons}": "<b>建议：{decision}。</b>{reasons}",
    "No Chinese (CJK) font is installed, so Chinese text in the figures shows as empty boxes: install one "
    "(Debian/Ubuntu: apt-get install fonts-noto-cjk) and run the study again.":
        "未安装中文（CJK）字体，图中的中文会显示为空白方框：请安装字体（Debian/Ubuntu：apt-get install "
        "fonts-noto-cjk）后重新运行研究。",
    "**Key performance indicator:** {kpi}  \n**Horizon:** {horizon}. {note}":
        "**关键绩效指标**：{kpi}  \n**期限**：{horizon}。{note}",
    "**Customers in the study:** {n}. **Segmentation basis:** {basis} ({kind}).":
        "**研究中的客户**：{n}。**细分依据**：{basis}（{kind}）。",
    "**Survey items usable as a needs-based basis:** {items}.": "**可作为需求细分依据的问卷题目**：{items}。",
    "<b>Chosen method: {label}</b> ({family}), {chosen_by}.<br>{reason}":
        "<b>所选方法：{label}</b>（{family}），{chosen_by}。<br>{reason}",
    "The number of segments is not fixed in advance: step 5 tries k = {lo} to {hi} and chooses the number whose "
    "segments are most reproducible over bootstrap samples of the customers.":
        "细分数量没有预先固定：第 5 步尝试 k = {lo} 到 {hi}，并选择在客户的自助抽样中细分最可复现的数量。",
    "**{n}** transactions fall after the cut-off: they are kept apart as the outcome period that step 7 uses to "
    "validate the segments, and never enter the segmentation.":
        "有 **{n}** 笔交易发生在截止日期之后：它们作为结果期单独保留，供第 7 步验证细分使用，从不进入细分。",
    "Outliers: a line above **{t}** (10 times the 99.9th percentile of purchase lines) is capped at that amount and "
    "flagged.": "异常值：金额高于 **{t}** （购买行第 99.9 百分位数的 10 倍）的行被截断为该金额并加以标记。",
    "Skewed, non-negative variables are log-transformed so that a few heavy buyers do not dominate, then every "
    "numeric variable is standardised (mean 0, standard deviation 1) so that each counts equally.":
        "偏态的非负变量先做对数变换，使少数大买家不致主导结果；然后每个数值变量都被标准化（均值 0，标准差 1），"
        "使各变量权重相同。",
    "Yes/no answers enter as they are (1 = yes, 0 = no): every item already has the same scale, so none is "
    "transformed or standardised.": "是/否回答按原样进入（1 = 是，0 = 否）：各题目尺度相同，因此不做变换或标准化。",
    "**{k} segments** from **{method}**, covering all {n} customers; every customer is in exactly one segment.":
        "由 **{method}** 得到 **{k} 个细分**，覆盖全部 {n} 位客户；每位客户恰好属于一个细分。",
    "**{k} segments** from **{method}** for {n} customers, each in exactly one segment.":
        "由 **{method}** 为 {n} 位客户得到 **{k} 个细分**，每位客户恰好属于一个细分。",
    "{all} segments read the same: {v} (median Jaccard {lo} to {hi}).":
        "{all} 个细分的判定相同：{v}（Jaccard 中位数 {lo} 至 {hi}）。",
    "Least stable: segment {s} ({name}), median Jaccard {m} ({v}); most stable: segment {s2} ({name2}), median {m2}.":
        "最不稳定：细分 {s}（{name}），Jaccard 中位数 {m}（{v}）；最稳定：细分 {s2}（{name2}），中位数 {m2}。",
    "The whale curve ranks customers from most to least profitable and plots the cumulative share of profit. A "
    "curve that rises above 100% shows that the least profitable customers give back part of what the best ones "
    "earn.": "鲸鱼曲线按利润从高到低对客户排序，并绘制利润的累计占比。曲线升到 100% 以上，说明利润最低的客户"
             "抵消了最佳客户所赚取的一部分。",
    "Multinomial logit of segment on the descriptors: McFadden pseudo-R² = **{r2}** ({method}).":
        "以描述变量对细分做多项 logit 回归：McFadden 伪 R² = **{r2}** （{method}）。",
    "No segment is both top right and at least {share} of customers, so step 7 has no target segments to measure.":
        "没有细分同时位于右上方且占客户至少 {share}，因此第 7 步没有可测量的目标细分。",
    "The transactions carry no margin: {c} measured by spend per customer instead.":
        "交易数据不含毛利：{c} 改以人均消费额衡量。",
    "The top tenth by potential value brought **{mine}** of the later revenue.":
        "按潜在价值排名前十分之一的客户带来了之后收入的 **{mine}** 。",
    "The top tenth ranked by {b} brought **{share}**.": "按{b}排名前十分之一的客户带来了 **{share}** 。",
    "Split-half adjusted Rand index: **{ari}**; the largest difference between matched segment centres is **{d}** "
    "standard deviations.": "折半调整兰德指数：**{ari}** ；匹配细分中心之间的最大差异为 **{d}** 个标准差。",
    "On the customers in both, the two segmentations {agree}. **{stay}** of customers stayed in their segment.":
        "在两次细分都包含的客户上，两次细分{agree}。有 **{stay}** 的客户留在原细分中。",
    "{why} Name this run as <code>previous_run</code> in the next study to track the segments over time.":
        "{why} 在下一次研究中将本次运行设为 <code>previous_run</code>，即可跟踪细分随时间的变化。",
    "_Rule: {rule}_": "_规则：{rule}_",
    "Not applicable: the {m} scheme does not search for a number of segments.": "不适用：{m} 方案不搜索细分数量。",
    "Descriptors with many values are cut to their most frequent ones: {note}":
        "取值很多的描述变量只保留最常见的取值：{note}",
    "Strongly correlated basis variables ({pairs}) measure nearly the same thing and give it double weight; "
    "consider dropping one.":
        "强相关的细分依据变量（{pairs}）测量的几乎是同一件事，会使其权重加倍；请考虑去掉其中一个。",
    "Segment size and value up to the cut-off": "截止日期前各细分的规模与价值",
    "The audit's waterfall: what each rule excluded, and what was left": "审核瀑布表：每条规则排除了什么、剩下什么",
    "Rows affected, per rule (row numbers as in a spreadsheet: header = row 1)":
        "各规则影响的行（行号与电子表格一致：表头 = 第 1 行）",
    "Distinctive differences from the base (means in the variable's units; std_diff on the prepared basis)":
        "与整体相比的显著差异（均值为变量自身单位；std_diff 基于预处理后的细分依据）",
    # fixed text of figures (titles, axes, legends), translated as a figure is shown (segkit.plots.apply_words)
    "Share of customers": "客户占比",
    "Share of spend": "消费额占比",
    "Share of profit": "利润占比",
    "% of customers": "客户百分比",
    "% of spend": "消费额百分比",
    "% of profit": "利润百分比",
    "Segment profiles: difference from the base mean per basis variable": "细分画像：各细分依据变量与整体均值之差",
    "segment mean - base mean\n(base standard deviations)": "细分均值 - 整体均值\n（整体标准差）",
    "whole base": "整体",
    "% answering yes": "回答“是”的百分比",
    "How well the segments separate (standardised basis, PCA)": "细分之间的区分程度（标准化细分依据，主成分分析）",
    "Whale curve: where the profit comes from": "鲸鱼曲线：利润来自哪里",
    "Whale curve: where the spend comes from": "鲸鱼曲线：消费额来自哪里",
    "What the data audit dropped, changed or flagged": "数据审核删除、修改或标记了什么",
    "rows affected": "受影响的行数",
    "dropped": "已删除",
    "changed": "已修改",
    "kept (flagged)": "保留（已标记）",
    "number of segments": "细分数量",
    "adjusted Rand index": "调整兰德指数",
    # the executive summary (segkit.summary.SUMMARY_TEXT)
    "Executive summary": "执行摘要",
    "The question": "问题",
    "Measured by:": "衡量指标：",
    "The answer": "答案",
    "The target segments ({n_targets} of {k}) hold {target_customers} customers "
    "({target_share} of the {n_customers} segmented), who bring {target_value_share} of the value.":
        "目标细分（{k} 个中的 {n_targets} 个）共有 {target_customers} 位客户"
        "（占已细分的 {n_customers} 位客户的 {target_share}），贡献了 {target_value_share} 的价值。",
    "No segment qualifies as a target: {reason}. The {k} segments are listed on the overview page.":
        "没有细分符合目标条件：{reason}。{k} 个细分列在概览页上。",
    "the run has no segment values (no transactions or no profiling step)":
        "本次运行没有细分的价值数据（没有交易数据或没有画像步骤）",
    "none is both attractive and large enough": "没有细分既有吸引力又足够大",
    "spend up to the cut-off": "截止日期前的消费额",
    "Share of value": "价值占比",
    "How sure we are": "我们有多确定",
    "Every measured criterion of the brief passes. {summary}": "研究目标中每一项已测量的标准都通过了。{summary}",
    "Every measured knock-out criterion passes, but not every success criterion: the segments can be used, "
    "with the failed criteria in mind. {summary}":
        "每一项已测量的淘汰标准都通过了，但并非每一项成功标准都通过：可以使用这些细分，但需留意未通过的标准。{summary}",
    "A knock-out criterion of the brief fails: the segments should not be acted on as they are. {summary}":
        "研究目标中有一项淘汰标准未通过：不应按现状依据这些细分采取行动。{summary}",
    "Step 7 (validation) has not run, so the segments have not been tested against the brief.":
        "第 7 步（验证）尚未运行，因此这些细分还没有对照研究目标进行检验。",
    "What to do next": "下一步做什么",
    "Load {export} into the CRM: it has one row per customer ({n_rows} rows), with the segment of each and, "
    "for the {n_excluded} not segmented, the reason.":
        "将 {export} 导入 CRM：每位客户一行（共 {n_rows} 行），包含每位客户所属的细分；"
        "对未细分的 {n_excluded} 位客户，注明原因。",
    "Brief the owners of the target segments on their actions (the table above).":
        "向目标细分的负责人说明各自的行动建议（见上表）。",
    "Before acting on the segments, resolve the failed criteria: {criteria}.":
        "在依据这些细分采取行动之前，先解决未通过的标准：{criteria}。",
    "Over time, step 8's recommendation: {recommendation} (the reasons: {page}).":
        "随时间变化，第 8 步的建议：{recommendation}（理由见 {page}）。",
    "Re-run the study on fresh data and compare the runs (segkit compare) to see the segments move.":
        "用新数据重新运行研究，并比较两次运行（segkit compare），观察细分的变化。",
    "Who brings the value": "谁带来了价值",
    "Each segment's share of the customers (grey) and of the value ({value_label}, dark); "
    "the target segments are marked ★.":
        "各细分占客户的比例（灰色）与占价值的比例（{value_label}，深色）；目标细分以 ★ 标出。",
    "share of customers": "客户占比",
    "share of value": "价值占比",
    "The details: the overview page and the eight step reports.": "详细内容：概览页和八个步骤的报告。",
    "Run {run_id} · segkit {version}. Every number on this page comes from the run's results.":
        "运行 {run_id} · segkit {version}。本页的每个数字都来自本次运行的结果。",
    "This run did not reach the segments, so there is nothing to summarise yet: {reason}.":
        "本次运行没有进行到形成细分的步骤，因此暂无可摘要的内容：{reason}。",
    "step {step} failed ({error})": "第 {step} 步失败（{error}）",
    "step 5 (stability), which forms the segments, has not run": "形成细分的第 5 步（稳定性）尚未运行",
    "the summary could not be written ({error})": "无法生成摘要（{error}）",
    "The overview page shows which steps ran; fix the cause and run the study again.":
        "概览页显示了哪些步骤已运行；请排除原因后重新运行研究。",
    ": the question, the answer, how sure we are and what to do next, on one page. For the CRM: "
    "<code>{csv}</code> (and <code>{xlsx}</code>), one row per customer; <code>{workbook}</code>, the segments.":
        "：问题、答案、我们有多确定以及下一步做什么，尽在一页。供 CRM 使用：<code>{csv}</code>"
        "（以及 <code>{xlsx}</code>），每位客户一行；<code>{workbook}</code>，各细分。",
    # the segment evaluation plot and decision table of step 8 (segkit.profiling.evaluation.EVALUATION_TEXT)
    "Segment evaluation plot (bubble area = segment size)": "细分评估图（气泡面积 = 细分规模）",
    "segment attractiveness (the brief's weighted criteria, 0-10)": "细分吸引力（研究目标的加权标准，0-10）",
    "organisational competitiveness (0-10: {source})": "企业竞争力（0-10：{source}）",
    "target": "目标",
    "The brief gives no criteria for organisational competitiveness (how well the firm can serve a segment "
    "against its competitors), so the vertical axis shows what is measured instead: {source}. Add the team's "
    "competitiveness judgement to the brief to replace it.":
        "研究目标没有给出企业竞争力的标准（企业相对竞争对手服务某一细分的能力），因此纵轴改为显示可测量的指标："
        "{source}。将团队对竞争力的判断加入研究目标即可替换它。",
    "target: attractiveness {a} and competitiveness {c} are both at least {cut}, and it holds {share} of the "
    "customers (at least {min_share})":
        "目标：吸引力 {a} 与竞争力 {c} 均不低于 {cut}，且占客户的 {share}（不低于 {min_share}）",
    "target: no segment is top right; it has the first priority (attractiveness + competitiveness)":
        "目标：没有细分位于右上方；它的优先级最高（吸引力 + 竞争力）",
    "not a target: it holds {share} of the customers, below the brief's minimum of {min_share}":
        "非目标：它占客户的 {share}，低于研究目标规定的最低 {min_share}",
    "not a target: attractiveness {a} and competitiveness {c} are below {cut}":
        "非目标：吸引力 {a} 与竞争力 {c} 均低于 {cut}",
    "not a target: attractiveness {a} is below {cut}": "非目标：吸引力 {a} 低于 {cut}",
    "not a target: competitiveness {c} is below {cut}": "非目标：竞争力 {c} 低于 {cut}",
    "not a target: no segment is top right and its priority is {p}": "非目标：没有细分位于右上方，且它的优先级为 {p}",
    "decision": "决定",
    "why": "原因",
    "not a target": "非目标",
    "team judgement": "团队判断",
    "{variable} rescaled": "{variable}（重新标度）",
    "value index": "价值指数",
    "profit index": "利润指数",
    "attractiveness": "吸引力",
    "competitiveness": "竞争力",
    "Which segments to target, and why (scores 0-10)": "应以哪些细分为目标及其原因（得分 0-10）",
    # step 7's verdict sentence (segkit.study.validation._summary) and the targets against past spend
    "validation on later behaviour needs transactions after a cut-off, which this study lacks":
        "要用之后的行为进行验证，需要截止日期之后的交易数据，而本研究没有这些数据",
    "{n} left to the team": "{n} 项留给团队判断",
    "{n} without the data to measure it": "{n} 项缺少测量所需的数据",
    "{n} without the data to measure them": "{n} 项缺少测量所需的数据",
    "; {n} more is not measured ({parts})": "；另有 {n} 项未测量（{parts}）",
    "; {n} more are not measured ({parts})": "；另有 {n} 项未测量（{parts}）",
    "measured criteria": "已测量的标准",
    "criteria": "标准",
    "; 1 criterion repeats another's measurement and is counted once": "；1 项标准与另一项的测量相同，只计一次",
    "; {n} criteria repeat another's measurement and are counted once": "；{n} 项标准与其他标准的测量相同，只计一次",
    "No criterion of the brief could be measured; the team judges them.": "研究目标中没有可测量的标准；由团队判断。",
    "No criterion of the brief could be measured; the team judges them; {later}.":
        "研究目标中没有可测量的标准；由团队判断；{later}。",
    "{n_pass} of {n} {measured} pass{judged}; failed: {failed}.":
        "{n} 项{measured}中有 {n_pass} 项通过{judged}；未通过：{failed}。",
    "{n_pass} of {n} {measured} pass{judged}; failed: {failed}. Note that {later}.":
        "{n} 项{measured}中有 {n_pass} 项通过{judged}；未通过：{failed}。请注意：{later}。",
    "{n_pass} of {n} {measured} pass{judged}.": "{n} 项{measured}中有 {n_pass} 项通过{judged}。",
    "{n_pass} of {n} {measured} pass{judged}, but the segments are not yet validated: {later}.":
        "{n} 项{measured}中有 {n_pass} 项通过{judged}，但细分尚未经过验证：{later}。",
    "lift {lift}, 95% interval {lo} to {hi}": "提升 {lift}，95% 区间 {lo} 至 {hi}",
    "The target segments beat as many customers ranked by past spend ({lift}).":
        "目标细分优于按历史消费排序选出的同等数量客户（{lift}）。",
    "The target segments do not clearly beat as many customers ranked by past spend ({lift}).":
        "目标细分没有明显优于按历史消费排序选出的同等数量客户（{lift}）。",
    "As many customers ranked by past spend do better on {what} than the target segments ({lift}).":
        "按历史消费排序选出的同等数量客户在{what}上优于目标细分（{lift}）。",
    "revenue after the cut-off": "截止日期之后的收入",
    "orders after the cut-off": "截止日期之后的订单数",
    "the share buying after the cut-off": "截止日期之后购买的客户占比",
    "the promotion share after the cut-off": "截止日期之后的促销占比",
    # segkit's default criteria (segkit.brief), when the study file gives none
    "Substantial: large enough to be worth a tailored offer (at least the minimum segment share)":
        "足够大：规模值得为其定制方案（不低于最小细分占比）",
    "Measurable: members can be identified from data the firm holds": "可测量：可以根据企业掌握的数据识别成员",
    "Accessible: members can be reached through the firm's channels": "可接触：可以通过企业的渠道接触到成员",
    "Differentiable: the segment's behaviour differs clearly from the others": "可区分：该细分的行为与其他细分明显不同",
    "Actionable: the firm can design and deliver an offer that fits the segment":
        "可行动：企业能够设计并提供适合该细分的方案",
    "Segments differ in the KPI after the cut-off (p < 0.01)": "截止日期之后各细分在关键绩效指标上存在差异（p < 0.01）",
    "A new customer can be placed in a segment with at least 70% accuracy": "新客户可以以至少 70% 的准确率归入细分",
    "Segments replicate on half of the data (adjusted Rand index >= 0.7)":
        "细分在一半数据上可以复现（调整兰德指数 >= 0.7）",
    # step 8's recommendation and its reasons (segkit.iteration.recommend)
    "keep": "保留",
    "adjust": "调整",
    "re-segment": "重新细分",
    "inconclusive": "无法判断",
    "agree well (ARI {ari}, at least {keep})": "一致性良好（ARI {ari}，不低于 {keep}）",
    "agree only moderately (ARI {ari}, below {keep})": "一致性一般（ARI {ari}，低于 {keep}）",
    "agree poorly (ARI {ari}, below {low}; 0 is chance agreement)": "一致性差（ARI {ari}，低于 {low}；0 表示随机一致）",
    "the segment boundaries": "细分边界",
    "the segmentations": "两次细分",
    "{what} {agreement}": "{what}{agreement}",
    "the two segmentations share no customers, so they cannot be compared": "两次细分没有共同的客户，因此无法比较",
    "(ARI {ari} on the {n} customers in both; {stay} stayed)":
        "（在两次都包含的 {n} 位客户上 ARI 为 {ari}；{stay} 留在原细分）",
    "customers moved between segments as customers do {moved}: shown, not a reason to re-segment":
        "客户在细分之间正常流动{moved}：仅作展示，不构成重新细分的理由",
    "a customer's earlier segment says little about their current one: the two agree poorly {moved}, below {low}, "
    "where 0 is chance; shown, not judged, since the rule judges whether the segment boundaries persist":
        "客户之前所属的细分几乎无法说明其当前所属的细分：两者一致性差{moved}，低于 {low}（0 表示随机）；"
        "仅作展示、不作判断，因为规则判断的是细分边界是否持续",
    "the largest share change is {mx} points (limit {limit})": "占比的最大变化为 {mx} 个百分点（上限 {limit}）",
    ": segment(s) {segments} moved by {limit} SD or more on a counted variable":
        "：细分 {segments} 在某个计入的变量上移动了 {limit} 个标准差或更多",
    "the largest profile shift is {mp} SD (limit {limit}){moved}":
        "画像的最大偏移为 {mp} 个标准差（上限 {limit}）{moved}",
    "{variables} moved with the windows' different lengths and are not counted as drift":
        "{variables} 随时间窗口长度不同而变化，不计为漂移",
    "current segment(s) {segments} match no earlier segment": "当前细分 {segments} 与之前的任何细分都不匹配",
    "earlier segment(s) {segments} vanished (no match, or below {share})":
        "之前的细分 {segments} 已消失（没有匹配，或低于 {share}）",
    "the current side, refitted on the shorter window, agrees with step 5's segments at ARI {ari} (at least "
    "{limit}), so the comparison speaks for them":
        "在较短时间窗口上重新拟合的当前细分与第 5 步的细分一致（ARI {ari}，不低于 {limit}），因此该比较可以代表它们",
    "{sentence}.": "{sentence}。",
    "it becomes conclusive with more history before the earlier cut-off: step 5's segments rest on {days} days "
    "({start} to {cutoff}), and an earlier window as long, ending {earlier}, needs transactions from {needed} on; "
    "with the data as they are, a smaller earlier_window_months (now {months}) lengthens both windows towards step "
    "5's history":
        "若在较早的截止日期之前有更多历史数据，即可得出结论：第 5 步的细分基于 {days} 天的数据（{start} 至 {cutoff}），"
        "而一个同样长、截止于 {earlier} 的较早窗口需要从 {needed} 起的交易数据；就现有数据而言，减小 "
        "earlier_window_months（当前为 {months}）可使两个窗口都更接近第 5 步的历史长度",
    "no customers in both": "没有两次都包含的客户",
    "the shorter window gives a different segmentation (its refit agrees with step 5's segments at {agreement}, "
    "below {limit})": "较短的时间窗口得到了不同的细分（其重新拟合与第 5 步细分的一致性为 {agreement}，低于 {limit}）",
    "although the refit agrees with step 5's segments as a whole (ARI {ari}), its segment(s) {segments} hold mostly "
    "customers of other step 5 segments (those rows describe other groups)":
        "虽然重新拟合整体上与第 5 步的细分一致（ARI {ari}），但其细分 {segments} 主要包含第 5 步其他细分的客户"
        "（这些行描述的是其他群体）",
    "the comparison is inconclusive for the delivered segments: {why}, so its drift says nothing about whether to "
    "keep, adjust or re-segment them":
        "对于交付的细分，该比较无法得出结论：{why}，因此其漂移无法说明应保留、调整还是重新细分",
    "it becomes conclusive with more history before the earlier cut-off: a smaller earlier_window_months, or data "
    "reaching further back":
        "若在较早的截止日期之前有更多历史数据，即可得出结论：减小 earlier_window_months，或使用时间更早的数据",
    # generated segment names and actions (segkit.methods.naming)
    "recent": "近期购买", "lapsed": "流失", "infrequent": "低频", "frequent": "高频",
    "low-spend": "低消费", "high-spend": "高消费", "small-basket": "小额订单", "big-basket": "大额订单",
    "new": "新客户", "long-standing": "老客户", "short-cycle": "短周期", "long-cycle": "长周期",
    "regular": "规律购买", "irregular": "不规律购买", "erratic-spend": "消费不稳定", "steady-spend": "消费稳定",
    "full-price": "原价购买", "promotion-driven": "促销驱动", "low-profit": "低利润", "high-profit": "高利润",
    "thin-margin": "低毛利", "high-margin": "高毛利", "few-returns": "少退货", "returns-prone": "常退货",
    "dissatisfied": "不满意", "satisfied": "满意",
    "{what}-focused": "偏好{what}",
    "{what} shopper": "{what}购物者",
    "high {feature}": "{feature}高",
    "low {feature}": "{feature}低",
    "mostly {column} {category}": "{column}多为 {category}",
    "rarely '{label}'": "很少选“{label}”",
    "Average profile": "平均画像",
    "Keep discounts small: their margin is already thin (margin_rate {z} SD).":
        "少打折：他们的毛利已经很低（margin_rate {z} SD）。",
    "Check why they return goods before sending offers (return_rate {z} SD).":
        "发送优惠之前，先查明他们退货的原因（return_rate {z} SD）。",
    "{main} ({numbers} from the base).": "{main}（与整体相比：{numbers}）。",
    "{main} (no behaviour variable is {t} SD or more from the base).":
        "{main}（没有任何行为变量与整体相差 {t} SD 或以上）。",
    "Correct first: call them, find the complaint and fix it fast; sell nothing more until it is resolved.":
        "先纠正问题：致电客户，找出投诉原因并迅速解决；在解决之前不再推销。",
    "Win back now: contact each customer personally within two weeks, ask why they stopped buying, and offer a "
    "personal welcome-back incentive on what they used to buy.":
        "立即挽回：两周内逐一联系每位客户，询问其停止购买的原因，并针对其过去常买的商品提供个性化的回归优惠。",
    "Second-purchase nurture: welcome them, introduce the range, and send an offer valid on their second order "
    "within 30 days.": "促进第二次购买：欢迎新客户、介绍产品系列，并发送 30 天内第二笔订单可用的优惠。",
    "Promotion-timed offers: reach them just before promotions and tastings with bundles on the products they buy; "
    "avoid blanket discounts outside promotion weeks.":
        "配合促销时机的优惠：在促销和试吃活动前，针对他们常买的产品推送组合装；促销周之外避免全面打折。",
    "VIP retention: priority service, first to hear of new products, a named contact; thank them, do not discount "
    "by default.": "VIP 维系：优先服务、率先获知新品、专属联系人；表达感谢，默认不打折。",
    "Low-cost reactivation: send one 'long time no see' coupon through the cheapest channel; spend no sales time "
    "on them unless they respond.":
        "低成本唤醒：通过成本最低的渠道发送一张“好久不见”优惠券；除非客户回应，否则不投入销售时间。",
    "Grow the basket: bundles and spend-threshold offers (e.g. 10% off above a basket value) at their regular "
    "visit.": "提高客单价：在他们日常购买时提供组合装和满额优惠（例如满一定金额打九折）。",
    "Raise frequency: coupons with short expiry that grow with each visit, and reminders timed to their usual "
    "purchase cycle.": "提高购买频次：提供有效期短、随每次购买递增的优惠券，并按其惯常购买周期发送提醒。",
    "Low priority: serve through standard channels and mass communication only.":
        "低优先级：仅通过标准渠道和大众传播提供服务。",
    "Maintain: standard communication; watch for customers moving to a more valuable segment.":
        "维持：标准沟通；留意转入更有价值细分的客户。",
    # personas (segkit.profiling.descriptors.PersonaResult.persona_text)
    "Segment {segment}: {n} customers ({share} of the base).": "细分 {segment}：{n} 位客户（占整体的 {share}）。",
    "{share} {level} (base {base})": "{level}占 {share}（整体 {base}）",
    "median {descriptor} {value} (base {base})": "{descriptor}中位数 {value}（整体 {base}）",
    "No descriptor level stands out by {points} points or more":
        "没有哪个描述变量的取值比整体高出 {points} 个百分点或以上",
    # step 3: why the method (segkit.methods.feasibility, the fits of segkit.methods.registry)
    "{method} (score {score}): {reasons}.": "{method}（得分 {score}）：{reasons}。",
    "No data-driven method fits the basis, so the best feasible rule-based scheme is used.":
        "没有数据驱动的方法适合该细分依据，因此采用可行的最佳基于规则的方案。",
    "Also feasible, ranked lower: {methods}.": "同样可行、排名较低的方法：{methods}。",
    "Rule-based schemes also feasible (name one in the study to use it): {methods}.":
        "同样可行的基于规则的方案（在研究文件中指定即可使用）：{methods}。",
    "Not feasible: {methods}.": "不可行：{methods}。",
    "automatic choice (method: auto)": "自动选择（method: auto）",
    "Named in the study file. {reasons}": "由研究文件指定。{reasons}",
    "named in the study file": "由研究文件指定",
    "behavioural numeric basis from {history:.0f} months of transactions":
        "基于 {history:.0f} 个月交易数据的行为数值细分依据",
    "a long horizon favours segments on stable behaviour or needs, checked for stability and validated on later "
    "behaviour": "长期目标更适合基于稳定行为或需求的细分，并检验其稳定性、用之后的行为加以验证",
    "works on 0/1 items, but latent class analysis models them properly":
        "可用于 0/1 题目，但潜在类别分析能更恰当地对其建模",
    "k-means is the simplest data-driven method: compact segments, new customers join the nearest centroid, fast "
    "enough to refit on every bootstrap sample":
        "k-means 是最简单的数据驱动方法：细分紧凑，新客户归入最近的中心，速度快到可以在每个自助样本上重新拟合",
    "the basis mixes numeric and categorical columns, which k-prototypes handles without arbitrary dummy coding":
        "细分依据同时包含数值列和类别列，k-prototypes 无需任意的虚拟编码即可处理",
    "segments may differ in spread and shape, at the cost of many more parameters and less stable solutions than "
    "k-means": "细分的离散程度和形状可以不同，代价是参数多得多、方案不如 k-means 稳定",
    "the basis is yes/no items, which latent class analysis models directly (a probability of yes per item and "
    "segment) and chooses k by BIC as a check":
        "细分依据是是/否题目，潜在类别分析可直接对其建模（每个题目和细分回答“是”的概率），并用 BIC 选择 k 作为检验",
    "hierarchical: shows how segments merge; deterministic": "层次聚类：显示细分如何合并；结果确定",
    "with {n_basis:,} customers it is fitted on a sample of 20,000":
        "共有 {n_basis:,} 位客户，因此在 20,000 位客户的样本上拟合",
    "a short horizon favours value schemes that give campaign lists now": "短期目标更适合能立即给出营销名单的价值方案",
    "the goal is about customer value, which this scheme ranks directly": "目标关乎客户价值，而该方案直接按价值排序",
    "eight classes with a ready action each; needs no model": "八个类别，各有现成的行动建议；无需模型",
    "adds potential value and loyalty, so it looks beyond this year's spend":
        "加入潜在价值和忠诚度，因此不只看今年的消费",
    "ties the sales model to purchase volume and the service response to satisfaction":
        "将销售模式与购买量挂钩，将服务响应与满意度挂钩",
    "type first, then size tiers within each type: simple rules the business already uses":
        "先按类型，再在每种类型内按规模分层：业务已在使用的简单规则",
    # the say/callout templates with data of the step notebooks
    "Of them, **{h}** have transactions up to the cut-off and can be segmented; the other {o} appear only after it (n"
    "ew customers of the outcome period).":
        "其中 **{h}** 位在截止日期前有交易、可以参与细分；其余 {o} 位只在截止日期之后出现（结果期的新客户）。",
    "Each file was read once, when `segkit run` checked the inputs before creating this run; this step took over the "
    "audited tables.":
        "每个文件只读取一次：`segkit run` 在创建本次运行之前检查输入时读取；本步骤沿用审核后的数据表。",
    "**{col}** is ordinal: coded {codes}, so profiles and tests use its order.":
        "**{col}** 是有序变量：编码为 {codes}，因此画像与检验使用其顺序。",
    "**{col}** is read from the transactions: each customer's most frequent value up to the cut-off ({several} of {n}"
    " customers have lines with more than one value; {ties} ties went to the most recent value).":
        "**{col}** 取自交易数据：每位客户在截止日期前最常出现的值（{n} 位客户中有 {several} 位的交易行不止一个值；{ti"
        "es} 个并列取最近的值）。",
    "A rule-based scheme fixes its classes by rule; step 5 checks how many customers would change class if the thresh"
    "olds were estimated on another sample of customers.":
        "基于规则的方案按规则确定类别；第 5 步检验若在另一个客户样本上估计阈值，会有多少客户改变类别。",
    "The raw file totals **{raw}** ({source}, every line as exported); the analysed customers' lines up to the cut-of"
    "f total **{analysed}**; the rules took **{excluded}** out between them: {raw} = {analysed} + {excluded}, to the "
    "cent. Of it, {after} is the outcome period after the cut-off, kept apart to validate the segments.":
        "原始文件合计 **{raw}**（{source}，按导出的每一行计）；分析客户在截止日期前的交易行合计 **{analysed}**；各规"
        "则共排除 **{excluded}**：{raw} = {analysed} + {excluded}，精确到分。其中 {after} 属于截止日期之后的结果期，"
        "单独保留用于验证细分。",
    "This study has no transaction table, so no behavioural features or outcomes after a cut-off can be computed; the"
    " survey answers are the customer data. Steps 7 and 8 skip the parts that need transactions.":
        "本研究没有交易数据表，因此无法计算行为特征或截止日期之后的结果；问卷回答即为客户数据。第 7、8 步跳过需要交易"
        "数据的部分。",
    "Features computed for **{n}** customers with at least one purchase up to and including the cut-off day {cut}, in"
    " {where}. Outcomes are measured from the day after the cut-off to the end of the data.":
        "为截止日 {cut}（含）之前至少购买过一次的 **{n}** 位客户计算了特征，计算位置：{where}。结果从截止日期次日起测"
        "量，直到数据结束。",
    "Lifetime value over the next **{h} months**, discounted at **{r}** a year; the models are calibrated on {hist} m"
    "onths of history (first purchase to the cut-off) of {n} customers, {rep} of whom bought again.":
        "未来 **{h} 个月**的客户终身价值，按每年 **{r}** 折现；模型基于 {n} 位客户 {hist} 个月的历史（首次购买至截止"
        "日期）校准，其中 {rep} 位再次购买。",
    "<b>Loyalty</b> (value × potential × loyalty scheme): {note}":
        "<b>忠诚度</b>（价值 × 潜力 × 忠诚度方案）：{note}",
    "In {file}, {col}: {what} ({n} rows).":
        "{file} 中的 {col}：{what}（{n} 行）。",
    "{share} of the rows of {file} ({n}) belong to customer ids the customers table does not know and were dropped: c"
    "heck that the tables cover the same customers.":
        "{file} 中 {share} 的行（{n} 行）属于客户表中不存在的客户编号，已被删除：请检查各数据表是否覆盖相同的客户。",
    "{rows} lines ({share} of the file, {money} of its money) have no customer id: they cannot be attributed to a cus"
    "tomer and are left out.":
        "{rows} 行（占文件的 {share}，金额占 {money}）没有客户编号：无法归属到客户，已排除。",
    "This study has no transactions, so there is no money to follow. Of the {read} rows read from the survey, {n} res"
    "pondents enter the segmentation ({dropped} rows were dropped by the rules above, {incomplete} respondents left o"
    "ut for a missing basis answer).":
        "本研究没有交易数据，因此没有可追踪的金额。从问卷读取的 {read} 行中，有 {n} 位受访者进入细分（上述规则删除了 "
        "{dropped} 行，{incomplete} 位受访者因缺少细分依据的回答而未纳入）。",
    "{note} The study goes on without potential value: the value schemes are not offered (step 3) and step 7 has no v"
    "alue ranking.":
        "{note} 研究在没有潜在价值的情况下继续：不提供价值方案（第 3 步），第 7 步也没有价值排序。",
    "Every check passed: both fits converged, no parameter sits at a bound, every standard error is below its estimat"
    "e, and the purchase model does not put most repeat customers at P(alive) near 1.":
        "全部检查通过：两个模型都已收敛，没有参数落在边界上，每个标准误都小于其估计值，购买模型也没有把大多数回头客的"
        " P(alive) 估计为接近 1。",
    "No value model was fitted (see above), so there is nothing to check.":
        "没有拟合价值模型（见上文），因此无需检查。",
    "<b>{model}, {check}</b>: {detail}.":
        "<b>{model}，{check}</b>：{detail}。",
    "The segments start from given centres ({src}, {k} segments) and are re-estimated on this data; segment numbers f"
    "ollow the given order.":
        "细分从给定的中心出发（{src}，{k} 个细分），并在本数据上重新估计；细分编号沿用给定的顺序。",
    "A latent class model has a likelihood, so the number of segments can also be judged by how well each model fits "
    "for its number of parameters (Dolnicar, Grün & Leisch 2018, sec. 7.3; flexmix's stepFlexmix). Lower is better fo"
    "r AIC, BIC and ICL; entropy near 1 means every respondent belongs clearly to one segment. Each k is the best of "
    "{n} random starts.":
        "潜在类别模型有似然函数，因此也可以按各模型相对其参数数量的拟合优度来判断细分数量（Dolnicar、Grün 与 Leisch 2"
        "018，第 7.3 节；flexmix 的 stepFlexmix）。AIC、BIC 和 ICL 越低越好；熵接近 1 表示每位受访者都明确属于一个细"
        "分。每个 k 取 {n} 次随机初始化中的最佳结果。",
    "{u} customers lack an input the scheme needs and are not classified.":
        "{u} 位客户缺少该方案所需的输入，未被分类。",
    "The solution of this study has **{k}** segments, chosen {how}; the information criteria, which judge how well a "
    "model describes the answers rather than whether it comes back in new samples, would pick {pick}. Both views are "
    "shown so the team can weigh them; segments at {icl} are one `k_range: [{icl}, {icl}]` away.":
        "本研究的方案有 **{k}** 个细分，{how}选出；信息准则判断的是模型对回答的描述程度，而不是能否在新样本中复现，它"
        "会选择 {pick}。两种观点都列出，供团队权衡；只需设置 `k_range: [{icl}, {icl}]` 即可得到 {icl} 个细分。",
    "The information criteria's choice, {k} segments, is also the solution of this study.":
        "信息准则的选择（{k} 个细分）也正是本研究的方案。",
    "<b>Loyalty.</b> {note}":
        "<b>忠诚度。</b>{note}",
    "Computed for k-means and latent class, the methods of the book; this study's method is {m}.":
        "仅为书中的方法 k-means 和潜在类别分析计算；本研究的方法是 {m}。",
    "**An existing customer, from {source}** (the basis variables at the cut-off, for the CRM system): cross-validate"
    "d accuracy **{cv}**, held-out **{ho}**, baseline {base}. High by construction: not evidence that a new customer "
    "can be placed.":
        "**现有客户，依据 {source}**（截止日期时的细分依据变量，供 CRM 系统使用）：交叉验证准确率 **{cv}**，留出样本 "
        "**{ho}**，基准 {base}。这一准确率由构造决定必然较高：不能证明新客户也能被正确归类。",
    "For yes/no items a difference is distinctive when the segment's share of yes differs from the base's by {pts} po"
    "ints or more: the rule the segment names use.":
        "对于是/否题目，当细分回答“是”的比例与整体相差 {pts} 个百分点或以上时，差异即为显著：细分命名使用同一规则。",
    "A difference is distinctive at half a standard deviation or more from the base. The means are in each variable's"
    " own units; the standardised difference is measured on the basis as the segments were formed on it (skewed varia"
    "bles log-transformed, see step 4), so it is the number the segment names quote.":
        "与整体相差半个标准差或以上的差异为显著差异。均值使用各变量自身的单位；标准化差异在形成细分时所用的细分依据上"
        "测量（偏态变量经过对数变换，见第 4 步），因此与细分名称引用的数字一致。",
    "The whale curve ranks customers from the highest to the lowest {what} and plots the cumulative share of {what}. "
    "A curve that rises above 100% shows that the customers at the bottom give back part of what the best ones bring.":
        "鲸鱼曲线按{what}从高到低对客户排序，并绘制{what}的累计占比。曲线升到 100% 以上，说明排在末尾的客户抵消了最佳"
        "客户所带来的一部分。",
    "**A new customer, from their first {days} days of purchases**: cross-validated accuracy **{cv}**, baseline {base"
    "} (the {n} customers whose first {days} days lie before the cut-off).":
        "**新客户，依据其最初 {days} 天的购买**：交叉验证准确率 **{cv}**，基准 {base}（最初 {days} 天在截止日期之前的"
        " {n} 位客户）。",
    "**From descriptors only** (for prospects with no {history} yet): cross-validated accuracy **{cv}**, baseline {ba"
    "se} ({n} customers).":
        "**仅依据描述变量**（适用于尚无{history}的潜在客户）：交叉验证准确率 **{cv}**，基准 {base}（{n} 位客户）。",
    "**{top}** of customers yield 80% of the {what}; {what} peaks at **{peak}** of the total with the best **{peakc}*"
    "* of customers.":
        "**{top}** 的客户贡献了 80% 的{what}；{what}在最佳的 **{peakc}** 客户处达到总额的峰值 **{peak}**。",
    "**Target segments** (top right, each at least {share} of customers; step 7 measures them, provisional until the "
    "verdict's other knock-out criteria pass): {segs}.":
        "**目标细分**（位于右上方，各占客户至少 {share}；第 7 步对其进行测量，在结论的其他淘汰标准通过之前为暂定）：{"
        "segs}。",
    "**{top}** of customers yield 80% of the {what}; no customer's {what} is below zero, so the curve never rises abo"
    "ve 100%.":
        "**{top}** 的客户贡献了 80% 的{what}；没有客户的{what}低于零，因此曲线从未超过 100%。",
    "The total {what} is not positive, so no share of customers yields 80% of it.":
        "{what}总额不为正，因此没有哪一部分客户能贡献其 80%。",
    # step 5: the choice of k (segkit.stability._global.choose_k)
    ", quartiles {lo} to {hi}":
        "，四分位数 {lo} 至 {hi}",
    "k = {k} (median ARI {median}{quartiles})":
        "k = {k}（ARI 中位数 {median}{quartiles}）",
    "k = {first} and {last}":
        "k = {first} 和 {last}",
    "k = {lo} to {hi}":
        "k = {lo} 至 {hi}",
    "{ks} (median ARI {best})":
        "{ks}（ARI 中位数 {best}）",
    "{k} segments, as set in the study file (k_range [{k}, {k}]): {claim}":
        "{k} 个细分，按研究文件的设定（k_range [{k}, {k}]）：{claim}",
    "is among the most stable of {span}":
        "属于 {span} 中最稳定的",
    "is the most stable of {span}":
        "是 {span} 中最稳定的",
    "is within {tol} of the most stable of {span}, {top}":
        "与 {span} 中最稳定的 {top} 相差不超过 {tol}",
    "ranks {rank} of {n} over {span}; the most stable: {top}":
        "在 {span} 的 {n} 个取值中排第 {rank}；最稳定的是 {top}",
    ". Its median is below {threshold}: at this k the segments do not come back reliably in bootstrap samples (constr"
    "uctive segmentation)":
        "。其中位数低于 {threshold}：在此 k 下，细分在自助样本中不能可靠地复现（建构性细分）",
    "{head} {where}{tail}.":
        "{head}，{where}{tail}。",
    "No number of segments is stable: the highest median adjusted Rand index between bootstrap pairs over {span} is {"
    "best}, at {tops}, below {threshold}, so the data show no reproducible segments and any solution is one of many e"
    "qually good partitions (constructive segmentation). {claim} is kept.":
        "没有稳定的细分数量：在 {span} 中，自助样本对之间调整兰德指数的最高中位数为 {best}（{tops}），低于 {threshold"
        "}，因此数据没有显示可复现的细分，任何方案都只是众多同样好的划分之一（建构性细分）。保留 {claim}。",
    "No number of segments is stable: the highest median adjusted Rand index between bootstrap pairs over {span} is {"
    "best}, at {tops}, below {threshold}, so the data show no reproducible segments and any solution is one of many e"
    "qually good partitions (constructive segmentation). {claim} is kept, the largest k within {tol} of the highest m"
    "edian.":
        "没有稳定的细分数量：在 {span} 中，自助样本对之间调整兰德指数的最高中位数为 {best}（{tops}），低于 {threshold"
        "}，因此数据没有显示可复现的细分，任何方案都只是众多同样好的划分之一（建构性细分）。保留 {claim}，即与最高中"
        "位数相差不超过 {tol} 的最大 k。",
    "{k} segments: {tops} share the highest median adjusted Rand index between bootstrap pairs over {span} ({best} at"
    " two decimals); {claim} is the largest of them, kept for the finer segmentation":
        "{k} 个细分：在 {span} 中，{tops} 的自助样本对调整兰德指数中位数并列最高（保留两位小数为 {best}）；{claim} 是"
        "其中最大的，保留以得到更细的细分",
    "; {ks} comes within {tol} of the highest":
        "；{ks} 与最高值相差不超过 {tol}",
    "; {ks} come within {tol} of the highest":
        "；{ks} 与最高值相差不超过 {tol}",
    "{k} segments: {claim} has the highest median adjusted Rand index between bootstrap pairs over {span}":
        "{k} 个细分：在 {span} 中，{claim} 的自助样本对调整兰德指数中位数最高",
    "; {ks} comes within {tol} of it, and the largest number is kept for the finer segmentation":
        "；{ks} 与之相差不超过 {tol}，保留其中最大的数量以得到更细的细分",
    "; {ks} come within {tol} of it, and the largest number is kept for the finer segmentation":
        "；{ks} 与之相差不超过 {tol}，保留其中最大的数量以得到更细的细分",
    "{k} segments: the highest median adjusted Rand index between bootstrap pairs over {span} is {best}, at {tops}; {"
    "claim} comes within {tol} of it, and the largest number of segments within that distance is kept for the finer s"
    "egmentation.":
        "{k} 个细分：在 {span} 中，自助样本对之间调整兰德指数的最高中位数为 {best}（{tops}）；{claim} 与之相差不超过 "
        "{tol}，在此范围内保留最大的细分数量，以得到更细的细分。",
    # step 2/3: why a method is not feasible (segkit.methods.feasibility.rank_methods, the registry's texts)
    "warning: calibrated on {history} months of history, less than the {months} recommended ({why}); read its classes"
    " with that in mind":
        "警告：基于 {history} 个月的历史校准，少于建议的 {months} 个月（{why}）；解读其类别时请留意这一点",
    "needs {accepts} (the basis is {kind})":
        "需要{accepts}（当前细分依据为 {kind}）",
    "needs at least 2 yes/no items in the survey":
        "需要问卷中至少有 2 个是/否题目",
    "needs at least {per} customers per segment at k_max = {k_max} ({total} customers; {n} available)":
        "在 k_max = {k_max} 时每个细分至少需要 {per} 位客户（共 {total} 位；现有 {n} 位）",
    "needs a 'stratify' section in the study (type column, size column, thresholds)":
        "需要研究文件中有 'stratify' 部分（类型列、规模列、阈值）",
    "needs a satisfaction column in the survey":
        "需要问卷中有满意度列",
    "needs a transaction table":
        "需要交易数据表",
    "; to accept a shorter history set value: min_history_months in the study file":
        "；如要接受更短的历史，请在研究文件中设置 value: min_history_months",
    "needs a transaction table with >= {floor} months of history ({why}; {history} available{override})":
        "需要至少 {floor} 个月历史的交易数据表（{why}；现有 {history} 个月{override}）",
    "needs >= {months} months of transaction history":
        "需要至少 {months} 个月的交易历史",
    "needs repeat purchases (most customers buying more than once) to fit a lifetime-value model":
        "需要重复购买（大多数客户购买不止一次）才能拟合客户终身价值模型",
    "needs at least {total} customers ({n} available) for {what}":
        "{what}至少需要 {total} 位客户（现有 {n} 位）",
    "{n} per class":
        "每个类别 {n} 位",
    "a basis of yes/no items coded 0/1":
        "由编码为 0/1 的是/否题目构成的细分依据",
    "a basis with categorical columns":
        "含类别列的细分依据",
    "a numeric basis (a Gaussian mixture on 0/1 items is degenerate)":
        "数值型细分依据（对 0/1 题目做高斯混合是退化的）",
    "an all-numeric basis":
        "全部为数值列的细分依据",
    "10 in the top 1% tier":
        "前 1% 层级中的 10 位",
    "a lifetime-value model needs repeat purchases over at least 6 months":
        "客户终身价值模型需要至少 6 个月的重复购买",
    "loyalty (stability of spend) needs a full year of seasons":
        "忠诚度（消费的稳定性）需要覆盖完整一年的季节",
    "purchase volume needs a few purchase cycles":
        "购买量需要几个购买周期",
    "recency and frequency need a few purchase cycles":
        "最近购买时间和购买频次需要几个购买周期",
    # common table headings
    "segment": "细分",
    "name": "名称",
    "segment_name": "细分名称",
    "share": "占比",
    "n": "人数",
    "n_customers": "客户数",
    "customers": "客户数",
    "value_share": "价值占比",
    "action": "行动",
    "criterion": "标准",
    "threshold": "阈值",
    "measured by": "测量方式",
    "weight": "权重",
    "variable": "变量",
    "description": "描述",
    "rank": "排名",
    "method": "方法",
    "family": "类别",
    "feasible": "可行",
    "score": "得分",
    "reasons": "理由",
    "table": "数据表",
    "file": "文件",
    "rows": "行数",
    "verdict": "判定",
    "outcome": "结果变量",
    "test": "检验",
    "p_value": "p 值",
    "reading": "解读",
    "result": "结果",
    "kind": "类型",
    "evidence": "依据",
    "note": "说明",
    "yes": "是",
    "no": "否",
}

#: How a language separates the items of a list (English: as written in the code).
SEPARATORS: dict[str, dict[str, str]] = {"zh": {", ": "、", "; ": "；", " ": ""}}

#: Every language's catalog; English needs none.
CATALOGS: dict[str, dict[str, str]] = {"en": {}, "zh": ZH}

_CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")


def has_cjk(text: Any) -> bool:
    """Whether ``text`` holds Chinese, Japanese or Korean characters.

    Examples
    --------
    >>> has_cjk("share_channel_天猫"), has_cjk("share_channel_web")
    (True, False)
    """
    return bool(_CJK.search(str(text)))


@dataclass(frozen=True)
class Words:
    """The client's words for one study's reports (the study file's ``language``, ``currency``, ``labels``)."""

    language: str = "en"
    currency: str | None = None
    labels: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_config(cls, cfg: Any) -> Words:
        """The words a :class:`~segkit.config.StudyConfig` chooses."""
        return cls(language=cfg.language, currency=cfg.currency, labels=dict(cfg.labels))


_WORDS: ContextVar[Words] = ContextVar("segkit_words", default=Words())  # noqa: B039 (frozen, never mutated)


def current() -> Words:
    """The words of the study whose step is being reported (English, no currency, no labels by default)."""
    return _WORDS.get()


def use_words(words: Words) -> None:
    """Make ``words`` the current ones (a step notebook, or :func:`segkit.study.context.run_steps`)."""
    _WORDS.set(words)


@contextmanager
def words_of(words: Words) -> Iterator[Words]:
    """The ``with`` form of :func:`use_words`: the earlier words come back at the end of the block.

    Examples
    --------
    >>> with words_of(Words(language="zh")):
    ...     translate("Overview")
    '概览'
    >>> translate("Overview")
    'Overview'
    """
    token = _WORDS.set(words)
    try:
        yield words
    finally:
        _WORDS.reset(token)


def translate(text: str, language: str | None = None) -> str:
    """``text`` in ``language`` (default: the current words' language); English when it has no entry.

    Examples
    --------
    >>> translate("Step {n} of 8", "zh").format(n=3)
    '第 3 步（共 8 步）'
    >>> translate("a sentence no catalog knows", "zh")
    'a sentence no catalog knows'
    """
    lang = language or current().language
    return CATALOGS.get(lang, {}).get(text, text)


def join(items: Iterable[Any], sep: str = ", ", language: str | None = None) -> str:
    """The items as one list, separated as ``language`` separates them (default: the current words').

    Examples
    --------
    >>> join(["a", "b"], "; ", "zh"), join(["a", "b"], "; ", "en")
    ('a；b', 'a; b')
    """
    lang = language or current().language
    return SEPARATORS.get(lang, {}).get(sep, sep).join(str(i) for i in items)


def translate_mapping(mapping: Mapping[str, str], language: str | None = None) -> dict[str, str]:
    """Each value of a mapping of English fixed text translated (keys unchanged).

    Examples
    --------
    >>> translate_mapping({"title": "Verdict", "odd": "no entry"}, "zh")
    {'title': '结论', 'odd': 'no entry'}
    """
    return {k: translate(v, language) for k, v in mapping.items()}


_HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t]*$", re.MULTILINE)


def translate_markdown(source: str, language: str | None = None) -> str:
    r"""A Markdown cell with its headings translated (a paragraph is translated when the catalog holds it whole).

    Examples
    --------
    >>> translate_markdown("## Target segments\nThe top right.", "zh")
    '## 目标细分\nThe top right.'
    """
    whole = translate(source.strip(), language)
    if whole != source.strip():
        return whole
    return _HEADING.sub(lambda m: f"{m.group(1)} {translate(m.group(2), language)}", source)


def markdown_headings(source: str) -> list[str]:
    r"""The text of each Markdown heading in ``source``.

    Examples
    --------
    >>> markdown_headings("# A\ntext\n### B c")
    ['A', 'B c']
    """
    return [m.group(2) for m in _HEADING.finditer(source)]


def relabel(text: Any, labels: Mapping[str, str] | None = None) -> str:
    """``text`` with each whole variable name the study labels replaced by its label.

    A name also matches as figures print it (underscores as spaces, :func:`segkit.figures.pretty`).
    ``labels`` defaults to the current words' labels.

    Examples
    --------
    >>> relabel("monetary_avg +1.8 SD; recency days -1.1 SD; monetary_avg_x", {"monetary_avg": "平均订单金额",
    ...                                                                          "recency_days": "距上次购买天数"})
    '平均订单金额 +1.8 SD; 距上次购买天数 -1.1 SD; monetary_avg_x'
    """
    text = str(text)
    names = dict(current().labels if labels is None else labels)
    if not text or not names:
        return text
    forms = {**{n.replace("_", " "): lab for n, lab in names.items()}, **names}
    return _names_pattern(tuple(sorted(forms, key=len, reverse=True))).sub(lambda m: forms[m.group(1)], text)


@lru_cache(maxsize=32)
def _names_pattern(names: tuple[str, ...]) -> re.Pattern[str]:
    # every table cell of a report goes through relabel: the pattern is built once per set of labels
    return re.compile(r"(?<![\w])(" + "|".join(re.escape(n) for n in names) + r")(?![\w])")


def money_label(name: str, currency: str | None = None) -> str:
    """A money column's or axis's name with the currency, when the study gives one.

    Examples
    --------
    >>> money_label("profit", "¥"), money_label("profit", None)
    ('profit (¥)', 'profit')
    """
    cur = currency if currency is not None else current().currency
    return f"{name} ({cur})" if cur else name
