"""Label variants printed in real reports map to the spec's keys."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nianbao.normalize import labels as L


@pytest.mark.parametrize(
    ("printed", "key"),
    [
        ("（二）部分公开", "partial"),  # the shortened label
        ("(二)部分公开(区分处理的，只计这一情形，不计其他情形)", "partial"),  # half-width brackets
        ("（二）部分公开（区分处理的，\n只计这一情形，不计其他情形）", "partial"),  # line break in the cell
        ('3.危及"三安全一稳定"', "denied.security_stability"),  # straight quotes
        ("3、危及“三安全一稳定”", "denied.security_stability"),  # curly quotes, 、 numbering
        ("（3）危及‘三安全一稳定’", "denied.security_stability"),  # (3) numbering
        ("3. 危及 三安全一稳定", "denied.security_stability"),  # spaces, no quotes
        ("　一、本年新收政府信息公开申请数量", "new_received"),  # ideographic indent
        ("一.本年新收政府信息公开申请数量", "new_received"),
        ("二、上年结转政府信息公开申请数量", "carried_over"),
        ("（七）总计", "total_processed"),
        ("四、结转下年度继续办理", "carried_forward"),
        ("1、申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请", "other.overdue_correction"),
        ("2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", "other.overdue_fee"),
        ("3、其他", "other.other"),
        ("1.本机关不掌握相关政府信息", "unable.not_held"),
        ("5.要求行政机关确认或重新出具已获取信息", "rejected.reconfirm"),
        ("８．属于行政查询事项", "denied.query_matter"),  # full-width digit and dot
    ],
)
def test_t3_rows_2021(printed, key):
    assert L.row_matcher("t3", "2021").match(printed) == key


def test_t3_other_row_of_the_2019_template():
    assert L.row_matcher("t3", "2019").match("（六）其他处理") == "other"
    assert L.row_matcher("t3", "2021").match("（六）其他处理") is None  # a group label in 2021


@pytest.mark.parametrize(
    "printed", ["三、本年度办理结果", "（三）不予公开", "申请人情况", "自然人", "第二十条第（一）项", ""]
)
def test_group_and_header_labels_are_not_rows(printed):
    assert L.row_matcher("t3", "2021").match(printed) is None


@pytest.mark.parametrize(
    ("printed", "template", "key"),
    [
        ("规范性文件", "2021", "normative_doc"),
        ("行政规范性文件", "2021", "normative_doc"),
        ("规章", "2019", "regulation"),
        ("其他对外管理服务事项", "2019", "other_admin_service"),
        ("政府集中采购", "2019", "gov_procurement"),
    ],
)
def test_t2_rows(printed, template, key):
    assert L.row_matcher("t2", template).match(printed) == key


@pytest.mark.parametrize(
    ("printed", "template", "key"),
    [
        ("本年收费金额（单位：万元）", "2021", "fee_amount_wan"),
        ("本年收费金额(单位:万元)", "2021", "fee_amount_wan"),
        ("本年新\n制作数量", "2019", "new_made"),
        ("本年增/减", "2019", "delta"),
        ("本年制发件数", "2021", "issued"),
    ],
)
def test_t2_columns(printed, template, key):
    assert L.t2_col(printed, template) == key


def test_template_from_t2_headers():
    assert L.detect_t2_template(["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"]) == "2021"
    assert L.detect_t2_template(["信息内容", "本年新制作数量", "本年新公开数量", "对外公开总数量"]) == "2019"
    assert L.detect_t2_template(["信息内容"]) is None


def test_t3_group_labels():
    assert L.t3_group("（三）不予公开") == "denied"
    assert L.t3_group("（四）无\n法提供") == "unable"
    assert L.t3_group("（六）其他处理") == "other"


@given(st.text(max_size=40))
def test_norm_is_idempotent(s):
    assert L.norm(L.norm(s)) == L.norm(s)


@given(st.text(alphabet='（）()、.．1234一二三其他公开 \n　“”"', max_size=20))
def test_core_is_idempotent_on_label_like_text(s):
    once = L.core(s)
    assert L.norm(once) == once
