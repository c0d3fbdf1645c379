"""The text of the six parts, in varied wording, stating counts that agree with the tables.

:func:`write` returns the paragraphs of each section and the counts the text states
(``stated``), e.g. ``{"received": 3, "review": 0, "fee_charged": False}``.
"""

from __future__ import annotations

import hashlib
import random

from .agencies import Agency

PLATFORMS = ("政府门户网站", "政务公开专栏", "政务新媒体", "政府公报", "政务服务大厅", "微信公众号", "公开栏")

OPENINGS = (
    "{y}年，{ref}坚持以习近平新时代中国特色社会主义思想为指导，认真贯彻落实《中华人民共和国政府信息公开条例》（以下简称《条例》），"
    "紧紧围绕中心工作，持续深化政务公开，不断提升政府工作透明度。",
    "{y}年，在上级政务公开主管部门的指导下，{ref}深入贯彻党中央、国务院关于全面推进政务公开工作的决策部署，"
    "严格落实《条例》各项规定，扎实推进政府信息公开工作，取得了较好成效。",
    "{y}年，{ref}以提升政务公开质量为目标，着力推进决策、执行、管理、服务、结果公开，政府信息公开工作有序开展。",
    "{y}年度，{ref}按照《条例》和上级关于政务公开工作的部署要求，结合工作实际，切实保障人民群众的知情权、参与权、表达权和监督权。",
)
INTROS = (
    "本报告根据《中华人民共和国政府信息公开条例》（以下简称《条例》）要求编制。本报告中所列数据的统计期限自{y}年1月1日起至{y}年12月31日止。"
    "如对本报告有疑问，请与{a}联系。",
    "本年度报告由{a}根据《中华人民共和国政府信息公开条例》规定编制，全文包括总体情况、主动公开政府信息情况、收到和处理政府信息公开申请情况、"
    "政府信息公开行政复议和行政诉讼情况、存在的主要问题及改进情况、其他需要报告的事项。报告所列数据统计期限自{y}年1月1日至{y}年12月31日。",
    "根据《中华人民共和国政府信息公开条例》和上级有关要求，现公布{y}年度政府信息公开工作年度报告。",
)
PUBLISHED = (
    "全年通过{p}主动公开政府信息{n}条",
    "{y}年，{ref}累计主动公开各类政府信息{n}条",
    "全年共发布政务信息{n}条",
    "本年度主动公开政府信息{n}条",
)
NORMATIVE = ("，其中规范性文件{m}件", "，制发规范性文件{m}件", "，其中公开行政规范性文件{m}件")
REGULATION = ("，制定规章{r}件", "，新制定政府规章{r}件")
RECEIVED = (
    "{y}年共收到政府信息公开申请{n}件",
    "全年新收政府信息公开申请{n}件",
    "本年度共受理政府信息公开申请{n}件",
    "{ref}全年收到依申请公开{n}件",
)
RECEIVED_NONE = ("本年度{ref}未收到政府信息公开申请", "{y}年，{ref}未收到政府信息公开申请")
CARRIED_OVER = ("，上年结转{n}件", "，另有上年度结转申请{n}件")
PROCESSED = ("，办结{n}件", "，已全部办结{n}件", "，共答复{n}件")
CARRIED_FWD = ("，结转下年度继续办理{n}件", "，{n}件顺延至下年度办理")
DONE_IN_TIME = ("，均在法定期限内予以答复。", "，全部按时答复。", "。")
REVIEW_LIT = (
    "全年发生政府信息公开行政复议{r}件、行政诉讼{l}件。",
    "因政府信息公开工作被申请行政复议{r}件，被提起行政诉讼{l}件。",
    "本年度涉及政府信息公开的行政复议案件{r}件，行政诉讼案件{l}件。",
)
REVIEW_LIT_NONE = (
    "未发生因政府信息公开引起的行政复议和行政诉讼案件。",
    "本年度未发生政府信息公开行政复议、行政诉讼情况。",
)
MANAGEMENT = (
    "（三）政府信息管理。严格落实“先审查、后公开”和“一事一审”制度，建立健全政府信息公开保密审查机制，对拟公开信息逐条审核把关。",
    "（三）政府信息管理。动态调整主动公开基本目录，规范政府信息公开属性认定，加强公开内容的审核把关，确保公开信息准确规范。",
    "（三）政府信息管理。开展规范性文件清理工作，及时更新政策文件库，加强政府信息全生命周期管理。",
)
PLATFORM = (
    "（四）政府信息公开平台建设。持续优化{p}栏目设置，及时更新栏目内容，提升平台集约化水平和用户体验。",
    "（四）平台建设。充分发挥{p}作为信息公开第一平台的作用，规范运维管理，做好信息发布、政策解读和回应关切工作。",
    "（四）政府信息公开平台建设。加强{p}建设管理，开展常态化巡查，及时整改栏目不更新、链接错误等问题。",
)
OVERSIGHT = (
    "（五）监督保障。将政务公开工作纳入年度考核，组织开展业务培训{k}次，切实提升工作人员业务能力。",
    "（五）监督保障情况。健全政务公开工作机制，明确专人负责，定期开展自查自纠，主动接受社会监督。",
    "（五）政府信息公开监督保障。加强对政务公开工作的督促检查，开展专题培训{k}次，未发生因信息公开不到位引起的责任追究。",
)
PROBLEMS = (
    "{y}年，{ref}政府信息公开工作取得一定成效，但仍存在一些不足：一是公开内容的全面性和及时性有待加强；二是政策解读形式较为单一；"
    "三是工作人员业务能力有待提升。",
    "一是主动公开的深度和广度还需进一步拓展；二是政策解读的针对性和实用性不够；三是依申请公开办理的规范化水平有待提升。",
    "存在的主要问题：信息公开的及时性不够，部分栏目更新较慢；与群众的互动交流不够充分。",
)
IMPROVEMENTS = (
    "下一步，{ref}将进一步加强组织领导，细化公开任务，丰富解读形式，持续提升政务公开工作质量。",
    "改进措施：一是加强业务培训，提高工作人员业务水平；二是完善公开工作机制，确保信息及时准确发布；三是创新解读方式，提升解读质效。",
    "针对上述问题，我们将严格落实《条例》要求，加强平台管理和内容保障，不断提升政府信息公开的规范化、标准化水平。",
)
FEE_NONE = (
    "本年度未收取信息处理费。",
    "{y}年，{ref}未收取政府信息公开信息处理费。",
    "根据《政府信息公开信息处理费管理办法》，本年度{ref}未收取任何信息处理费。",
    "（一）收取信息处理费情况。本年度无收取信息处理费情况。",
)
FEE_CHARGED = (
    "本年度共收取信息处理费{f}元。",
    "依照《政府信息公开信息处理费管理办法》，本年度向申请人收取信息处理费{f}元。",
)
OTHER = (
    "{y}年，{ref}共承办人大代表建议{a}件、政协委员提案{b}件，均已按期办结并依法公开答复内容。",
    "本年度无其他需要报告的事项。",
    "{ref}将按照上级部署要求，持续抓好政务公开工作要点的落实。",
)


def _fmt(s: str, **kw: object) -> str:
    return s.format(**kw)


def write(
    agency: Agency, year: int, facts: dict[str, float], rng: random.Random
) -> tuple[dict[int, list[str]], dict[str, float | bool]]:
    """Paragraphs of sections 0 (intro before 一) and 1, 5, 6; and the counts they state."""
    ref = agency.area_ref if agency.area_ref and rng.random() < 0.5 else rng.choice(agency.self_ref)
    kw = {"y": year, "ref": ref, "a": agency.name, "p": rng.choice(PLATFORMS), "k": rng.randint(1, 6)}
    stated: dict[str, float | bool] = {}
    paras: dict[int, list[str]] = {0: [], 1: [], 5: [], 6: []}
    if rng.random() < 0.8:
        paras[0].append(_fmt(rng.choice(INTROS), **kw))
    paras[1].append(_fmt(rng.choice(OPENINGS), **kw))

    # 主动公开
    n_pub = int(facts["t2_total_published"])
    s = _fmt(rng.choice(PUBLISHED), n=n_pub, **kw)
    stated["t2_total_published"] = n_pub
    if rng.random() < 0.6:
        s += _fmt(rng.choice(NORMATIVE), m=int(facts["normative_doc_issued"]))
        stated["normative_doc_issued"] = facts["normative_doc_issued"]
    if facts["regulation_issued"] and rng.random() < 0.7:
        s += _fmt(rng.choice(REGULATION), r=int(facts["regulation_issued"]))
        stated["regulation_issued"] = facts["regulation_issued"]
    numbered = rng.random() < 0.8  # sub-points （一）…（五） or plain paragraphs
    head = (
        rng.choice(("（一）主动公开。", "（一）主动公开情况。", "（一）主动公开方面。")) if numbered else ""
    )
    paras[1].append(head + s + "。")

    # 依申请公开
    head = (
        rng.choice(("（二）依申请公开。", "（二）依申请公开情况。", "（二）依申请公开方面。"))
        if numbered
        else ""
    )
    if facts["received"] == 0 and facts["carried_over"] == 0 and rng.random() < 0.6:
        s = _fmt(rng.choice(RECEIVED_NONE), **kw) + "。"
        stated["received"] = 0
    else:
        s = _fmt(rng.choice(RECEIVED), n=int(facts["received"]), y=year, ref=ref)
        stated["received"] = facts["received"]
        if facts["carried_over"] and rng.random() < 0.7:
            s += _fmt(rng.choice(CARRIED_OVER), n=int(facts["carried_over"]))
            stated["carried_over"] = facts["carried_over"]
        if rng.random() < 0.6:
            s += _fmt(rng.choice(PROCESSED), n=int(facts["processed"]))
            stated["processed"] = facts["processed"]
        if facts["carried_forward"] and rng.random() < 0.7:
            s += _fmt(rng.choice(CARRIED_FWD), n=int(facts["carried_forward"]))
            stated["carried_forward"] = facts["carried_forward"]
        s += rng.choice(DONE_IN_TIME)
    if rng.random() < 0.8:
        if facts["review"] == 0 and facts["litigation"] == 0 and rng.random() < 0.5:
            s += rng.choice(REVIEW_LIT_NONE)
        else:
            s += _fmt(rng.choice(REVIEW_LIT), r=int(facts["review"]), l=int(facts["litigation"]))
        stated["review"] = facts["review"]
        stated["litigation"] = facts["litigation"]
    paras[1].append(head + s)
    for pool in (MANAGEMENT, PLATFORM, OVERSIGHT):
        text = _fmt(rng.choice(pool), **kw)
        paras[1].append(text if numbered else text.split("。", 1)[1])
    if rng.random() < 0.3:  # some reports drop the sub-points
        paras[1] = paras[1][:3]

    paras[5].append(_fmt(rng.choice(PROBLEMS), **kw))
    paras[5].append(_fmt(rng.choice(IMPROVEMENTS), **kw))

    fee = facts["fee_yuan"]
    if fee:
        paras[6].append(_fmt(rng.choice(FEE_CHARGED), f=_yuan(fee), **kw))
        stated["fee_charged"] = True
        stated["fee_yuan"] = fee
    else:
        paras[6].append(_fmt(rng.choice(FEE_NONE), **kw))
        stated["fee_charged"] = False
    if rng.random() < 0.6:
        other = {**kw, "a": rng.randint(0, 12), "b": rng.randint(0, 15)}
        paras[6].append(_fmt(rng.choice(OTHER), **other))
    if contact := _contact(agency, year):
        paras[6].append(contact)
    return paras, stated


ROADS = ("人民路", "建设路", "中山路", "解放路", "振兴路", "府前路", "文化路", "政通路")


def _contact(agency: Agency, year: int) -> str | None:
    """Three reports in five close with the body's address, as real ones do
    (地址：沂源县振兴路61号).  Chosen by a hash, not a draw: a seed's other choices stay."""
    h = int(hashlib.sha256(f"{agency.name}|{year}".encode()).hexdigest()[:8], 16)
    seat = agency.county or agency.city or agency.province
    if agency.county and not agency.city:  # a municipality's district: 北京市朝阳区…
        seat = agency.province + seat
    if h % 5 >= 3 or not seat:
        return None
    if agency.kind in ("township", "street_office"):
        town = agency.name.removeprefix(agency.county).removesuffix("人民政府").removesuffix("办事处")
        seat += town
    road, number = ROADS[h // 5 % len(ROADS)], 1 + h // 40 % 199
    return f"如对本报告有疑问，请与{agency.name}联系（地址：{seat}{road}{number}号）。"


def _yuan(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else f"{v:.2f}"
