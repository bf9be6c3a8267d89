"""A web page printed to PDF (as users save report pages): the site's menus come first, the
report's title is a line somewhere below them, and the browser's CJK font writes some
ideographs as radicals."""

from __future__ import annotations

import random

import pytest

from pipelines.documents.model import Document
from pipelines.documents.pdf import ideographs
from pipelines.extract import detect_year_agency

MENU = ["国务院 省政府 省人大 省政协", "移动版", "登录 注册", "首页", "政务公开", "解读回应", "办事服务",
        "政府信息公开 领导之窗 政府机构 要闻", "政府工作报告 公示公告 规划信息", "政府信息公开年报", "当前位置：首页"]
TITLES = [("平潭综合实验区2019年度政府信息公开工作年度报告", 2019, "平潭综合实验区"),
          ("某市交通运输局2022年政府信息公开工作年度报告", 2022, "某市交通运输局"),
          ("某县人民政府 2023 年度政府 信 息 公 开 工作年度报告", 2023, "某县人民政府"),
          ("某区教育局2020年政府信息公开年度报告", 2020, "某区教育局")]


@pytest.mark.parametrize("seed", range(8))
def test_the_title_below_a_sites_menus_gives_year_and_agency(seed):
    rng = random.Random(seed)
    title, year, agency = TITLES[seed % len(TITLES)]
    menu = [rng.choice(MENU) for _ in range(rng.randint(16, 60))]
    body = ["一、总体情况", f"{year}年，我局认真贯彻落实《中华人民共和国政府信息公开条例》。"]
    doc = Document(format="pdf", text="\n".join([*menu, title, *body]), tables=[])
    assert detect_year_agency(doc)[:2] == (year, agency)


def test_a_sentence_that_names_a_report_is_not_its_title():
    menu = ["首页"] * 20
    sentence = ("根据《中华人民共和国政府信息公开条例》要求，现将本机关2021年政府信息公开工作年度报告中"
                "的有关情况说明如下，并对上一年度存在的问题逐项整改。")
    doc = Document(format="pdf", text="\n".join([*menu, sentence]), tables=[])
    assert detect_year_agency(doc)[0] is None


def test_radicals_a_font_put_for_ideographs_read_as_the_ideographs():
    assert ideographs("首⻚ 人⺠ 部⻔ ⻓者 ⻝品 意⻅ ⾏政 ⻄部") == "首页 人民 部门 长者 食品 意见 行政 西部"
    assert ideographs("⺾ 讠") == "⺾ 讠"  # components that are no characters of their own stay
