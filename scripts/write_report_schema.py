"""Write aidtools/report/report.schema.json from the records of aidtools/report/records.py.

Run after changing a record (``.venv/bin/python scripts/write_report_schema.py``), then review the diff:
tests/test_report_schema.py checks that the schema describes exactly the records' fields.
"""
from pathlib import Path
import dataclasses, typing, types, json, sys
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from aidtools.report import records as R
from aidtools.findings import Finding, Source, SEVERITIES
defs = {}
DESC = {
 "RunReport": "aidtools 一次运行的报告 / the report of one aidtools command (report.json)",
 "Finding": "一条问题 / one finding: a cell, row or file finding (path…value) or a reconciliation finding (student_no…sources)",
 "Source": "问题所依据的记录 / a record a finding rests on",
 "HistoryResult": "本轮在检查历史中的记录，以及与上一轮相比 / this run as a round of the history",
 "TrackedFinding": "跨轮次跟踪的问题（规则、部门、模板、记录相同即为同一问题） / a finding followed across rounds",
 "DepartmentChange": "某部门与上一轮相比：已改正、新出现、仍未改正 / fixed, new, still open per department",
 "ItemChange": "某部门某数据项（模板）与上一轮相比：已改正、新出现、仍未改正 / the same per department and template",
 "RoundSummary": "一轮检查的汇总 / one recorded round",
 "RoundAccuracy": "某部门某一轮每百行错误数 / errors per 100 rows per department and round",
 "ItemTimeliness": "数据项的及时性：首次提交、首次通过、逾期天数 / an item's timeliness over the rounds",
 "DepartmentTimeliness": "某部门按时通过、逾期通过、尚未通过的数据项数 / items on time, late, open per department",
 "Cause": "引起对账问题的检查错误 / a check error that explains a reconciliation finding",
 "FileResult": "一个被检查的文件 / one checked file",
 "InputFile": "提交文件夹中的一个文件 / one input file",
 "Versions": "生成报告的软件与数据版本 / versions of what produced the report",
 "SpecVersion": "模板定义的版本与摘要 / a template spec's version and digest",
 "Summary": "总体计数 / headline counts",
 "ProgressItem": "任务分解表中的一项及其进度 / one task item and its progress",
 "FileAccount": "一个输入文件的行去向：读取 = 导入 + 暂缓 + 被取代 / what became of one file's rows",
 "MergedTemplate": "一个模板的导入文件及行数 / one template's import workbook and accounting",
 "FundsLine": "某资助项目、学年、院系的下达与发放 / money per programme, year and college",
 "ProgrammeLine": "某资助项目、学年的发放 / per programme and year",
 "CoverageLine": "困难认定覆盖率 / hardship coverage per year, college and level",
 "AidedLine": "困难学生受助比例 / share of difficult students aided",
 "CampusLine": "分校区统计 / per campus",
 "FundSourceLine": "按资金来源的下达金额 / money allocated per programme, year and fund source",
 "Totals": "对账总数 / reconciliation totals",
 "Figures": "对账汇总数据（不含学生个人数据） / reconciliation aggregates",
 "ReconciliationResult": "两线三库对账结果 / reconciliation findings and figures",
}
ENUMS = {("Finding","severity"): list(SEVERITIES), ("ItemTimeliness","state"): list(R.TIMELINESS_STATES),
         ("TrackedFinding","severity"): list(SEVERITIES), ("FileAccount","status"): list(R.MERGE_STATES),
         ("ProgressItem","status"): list(R.TASK_STATES), ("RunReport","command"): list(R.COMMANDS)}
def t(tp, owner, name):
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in typing.get_args(tp) if a is not type(None)][0]
        s = t(inner, owner, name)
        if "$ref" in s:
            return {"anyOf": [s, {"type": "null"}]}
        s = dict(s); s["type"] = [s["type"], "null"] if isinstance(s["type"], str) else s["type"] + ["null"]
        if "enum" in s: s["enum"] = s["enum"] + [None]
        return s
    if dataclasses.is_dataclass(tp):
        build(tp); return {"$ref": f"#/$defs/{tp.__name__}"}
    if origin in (list, tuple):
        return {"type": "array", "items": t(typing.get_args(tp)[0], owner, name)}
    if origin is dict:
        return {"type": "object", "additionalProperties": t(typing.get_args(tp)[1], owner, name)}
    m = {str: "string", int: "integer", float: "number", bool: "boolean"}[tp]
    s = {"type": m}
    if (owner, name) in ENUMS: s["enum"] = ENUMS[(owner, name)]
    return s
def build(cls):
    if cls.__name__ in defs: return
    defs[cls.__name__] = None
    hints = typing.get_type_hints(cls)
    props = {}; req = []
    for f in dataclasses.fields(cls):
        props[f.name] = t(hints[f.name], cls.__name__, f.name)
        req.append(f.name)
    defs[cls.__name__] = {"description": DESC.get(cls.__name__, ""), "type": "object", "properties": props,
                          "required": req, "additionalProperties": False}
build(R.RunReport)
top = defs.pop("RunReport")
top["properties"]["schema_version"] = {"const": R.SCHEMA_VERSION}
for k in ("as_of",): top["properties"][k]["format"] = "date"
top["properties"]["generated_at"]["format"] = "date-time"
out = {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": "https://aidtools.invalid/report.schema.json",
       "title": "aidtools report.json", **top, "$defs": dict(sorted(defs.items()))}
target = Path(__file__).resolve().parents[1] / "aidtools" / "report" / "report.schema.json"
target.write_text(json.dumps(out, ensure_ascii=False, indent=1), encoding="utf-8")
print(f"wrote {target}")
