"""Turn a planned submission into sheets to write: template columns filled from the records.

Text-like columns (学号, ID numbers, codes, dates) are written as text, amounts and counts as
numbers, as a careful filler would. Personal values are looked up by student row only here.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from aidtools.sample.departments import Submission
from aidtools.sample.writers import SheetData
from aidtools.specs import TemplateSpec


@dataclass
class World:
    """Everything generated: the student table and the record frames of one academic year."""

    st: dict
    difficulty: pd.DataFrame
    disb: pd.DataFrame
    loans: pd.DataFrame
    alloc: pd.DataFrame
    year0: int
    specs: dict

    @property
    def year(self) -> str:
        return f"{self.year0}-{self.year0 + 1}"

    def table(self, name: str) -> pd.DataFrame | dict:
        return {"students": self.st, "difficulty": self.difficulty, "disbursement": self.disb,
                "loan": self.loans, "allocation": self.alloc}[name]

    def sids(self, sub: Submission) -> np.ndarray:
        """Student rows behind each row of a submission (-1 where there is none)."""
        if sub.table == "students":
            return sub.rows
        if sub.table in ("difficulty", "disbursement", "loan"):
            return self.table(sub.table)["sid"].to_numpy()[sub.rows]
        return np.full(len(sub.rows), -1)


def _text(values) -> np.ndarray:
    return np.asarray(values).astype(str)


def _flag(values) -> np.ndarray:
    return np.where(np.asarray(values, dtype=bool), "是", "")


def _person(world: World, sids: np.ndarray, names=None) -> dict:
    st = world.st
    name = st["姓名"][sids]
    if names is not None:
        name = np.where(pd.isna(names), name, names.astype(object)).astype(str)
    return {"学号": st["学号"][sids], "姓名": name, "身份证件号": st["身份证件号"][sids]}


def columns_for(world: World, sub: Submission) -> dict[str, np.ndarray]:
    """Header → column values, in template order, for the submission's rows."""
    rows = sub.rows
    if sub.table == "students":
        spec = world.specs["student"]
        return {h: world.st[h][rows] for h in spec.headers}
    if sub.table == "difficulty":
        d = world.difficulty.iloc[rows]
        sids = d["sid"].to_numpy()
        cols = _person(world, sids)
        cols["认定学年"] = np.full(len(rows), world.year)
        for flag in ("建档立卡贫困家庭", "最低生活保障家庭", "特困供养人员", "孤残学生", "烈士子女", "家庭经济困难残疾学生及残疾人子女"):
            cols[flag] = _flag(d[flag].to_numpy())
        cols["家庭人口数"] = d["family_size"].to_numpy()
        cols["家庭年收入(元)"] = d["income"].to_numpy()
        cols["认定等级"] = _text(d["level"].to_numpy())
        cols["认定日期"] = _text(d["date"].to_numpy())
        cols["认定原因"] = _text(d["reason"].to_numpy())
        return {h: cols[h] for h in world.specs["difficulty"].headers}
    if sub.table == "disbursement":
        d = world.disb.iloc[rows]
        sids = d["sid"].to_numpy()
        cols = _person(world, sids, d["name_override"].to_numpy() if "name_override" in d else None)
        cols["院系"] = _text(d["college"].to_numpy())
        cols["资助项目"] = _text(d["programme"].to_numpy())
        cols["资助学年"] = np.full(len(rows), world.year)
        cols["资助档次"] = _text(d["tier"].to_numpy())
        cols["发放金额(元)"] = d["amount"].to_numpy()
        cols["发放日期"] = _text(d["date"].to_numpy())
        cols["发放批次"] = d["batch"].to_numpy()
        cols["银行卡号"] = world.st["bank_card"][sids]
        cols["开户银行"] = world.st["bank"][sids]
        return {h: cols[h] for h in world.specs["disbursement"].headers}
    if sub.table == "loan":
        d = world.loans.iloc[rows]
        cols = _person(world, d["sid"].to_numpy())
        cols["贷款类型"] = _text(d["loan_type"].to_numpy())
        cols["贷款学年"] = np.full(len(rows), world.year)
        cols["合同编号"] = _text(d["contract"].to_numpy())
        cols["贷款金额(元)"] = d["amount"].to_numpy()
        cols["经办银行"] = _text(d["bank"].to_numpy())
        cols["放款日期"] = _text(d["date"].to_numpy())
        return {h: cols[h] for h in world.specs["loan"].headers}
    if sub.table == "allocation":
        d = world.alloc.iloc[rows]
        quota = d["quota"].to_numpy(dtype=object)
        return {
            "资助项目": _text(d["programme"].to_numpy()), "资助学年": _text(d["academic_year"].to_numpy()),
            "院系": _text(d["college"].to_numpy()), "资金来源": _text(d["fund_source"].to_numpy()),
            "下达文号": _text(d["notice"].to_numpy()), "下达日期": _text(d["date"].to_numpy()),
            "名额": np.array([None if pd.isna(q) else int(q) for q in quota], dtype=object),
            "下达金额(元)": d["amount"].to_numpy(),
        }
    raise ValueError(sub.table)


def sheet_for(world: World, sub: Submission) -> SheetData:
    """The sheet as the department wrote it: planted overrides, renamed headers, merges, hidden rows."""
    if sub.other_sheet is not None:
        return sub.other_sheet
    spec: TemplateSpec = world.specs[sub.template]
    cols = columns_for(world, sub)
    headers = list(cols)
    index = {h: i for i, h in enumerate(headers)}
    columns = list(cols.values())
    if sub.header_only:
        columns = [c[:0] for c in columns]
    return SheetData(
        name=sub.sheet_name or spec.sheet,
        headers=[sub.renamed_headers.get(h, h) for h in headers],
        columns=columns,
        overrides={(pos, index[h]): v for (pos, h), v in sub.overrides.items()},
        merges=[(a, b, index[h]) for a, b, h in sub.merges],
        hidden_rows=list(sub.hidden_rows),
        first_data_row=spec.first_data_row,
    )
