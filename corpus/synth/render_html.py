"""HTML as government portals publish: page chrome around the article, Word-pasted tables.

The article sits between a nav bar, breadcrumbs and a 索引号/发布机构/发文日期 box above and a
share bar and footer below.  Table cells are ``td`` (headers too) with rowspan/colspan,
their text wrapped in ``p``/``span``/``font`` with inline styles; blank cells hold
``&nbsp;``.  Some pages are GBK or GB18030, declared by a ``<meta>`` charset.
"""

from __future__ import annotations

import random
from html import escape

from .layout import Grid
from .report import Report, traditional

NAV = ("首页", "政务公开", "政务服务", "互动交流", "走进本地", "专题专栏")
CRUMBS = (("首页", "政务公开", "政府信息公开年报"), ("首页", "政府信息公开", "年度报告"),
          ("网站首页", "信息公开", "政府信息公开工作年度报告"))  # fmt: skip
FONTS = ("仿宋_GB2312", "仿宋", "宋体", "FangSong", "微软雅黑")


def _wrap(text: str, rng: random.Random, mode: str) -> str:
    body = "<br>".join(escape(part) for part in text.split("\n")) if text.strip() else "&nbsp;"
    if mode == "bare":
        return body
    font = rng.choice(FONTS)
    size = rng.choice(("10.5pt", "12pt", "14px", "9pt"))
    span = f'<span style="font-family:{font};font-size:{size}">{body}</span>'
    if mode == "p":
        return f'<p style="text-align:center;margin:0">{body}</p>'
    if mode == "pspan":
        return f'<p align="center" style="text-indent:0">{span}</p>'
    return f'<p class="MsoNormal" align="center"><font face="{font}">{span}</font></p>'


def _table(grid: Grid, rng: random.Random) -> str:
    mode = rng.choice(("bare", "p", "pspan", "font"))
    width = rng.choice(("100%", "600", "95%", "640"))
    out = [
        f'<table border="1" cellspacing="0" cellpadding="0" width="{width}" '
        'style="border-collapse:collapse;border:none"><tbody>'
    ]
    anchors = grid.anchors()
    for r in range(grid.n_rows):
        out.append('<tr style="height:20px">')
        for c in range(grid.n_cols):
            cell = anchors.get((r, c))
            if cell is None:
                continue
            attrs = ""
            if cell.rs > 1:
                attrs += f' rowspan="{cell.rs}"'
            if cell.cs > 1:
                attrs += f' colspan="{cell.cs}"'
            style = "border:solid windowtext 1px;padding:0 5px" + (
                ";vertical-align:middle" if cell.header else ""
            )
            text = cell.text
            if rng.random() < 0.05 and text.strip():
                text = text + "\u00a0"
            out.append(f'<td{attrs} style="{style}">{_wrap(text, rng, mode)}</td>')
        out.append("</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def render(report: Report, rng: random.Random) -> bytes:
    enc = rng.choices(("utf-8", "gbk", "gb18030"), (70, 20, 10))[0]
    declared = {"utf-8": rng.choice(("utf-8", "UTF-8")), "gbk": rng.choice(("gbk", "gb2312", "GBK")),
                "gb18030": "gb18030"}[enc]  # fmt: skip
    report.opts["encoding"] = declared
    a = report.agency.name
    titles = [b.text for b in report.blocks if b.kind == "title"]
    title = "".join(titles)
    meta = (
        f'<meta charset="{declared}">'
        if rng.random() < 0.6
        else f'<meta http-equiv="Content-Type" content="text/html; charset={declared}">'
    )
    code = "".join(rng.choice("0123456789") for _ in range(16))
    index_no = f"11{code}/{report.published.year}-{rng.randint(1, 99999):05d}"
    p_style = rng.choice(("text-indent:2em;line-height:1.8", "text-indent:32px", ""))
    head_tag = rng.choice(("strong", "b", "h3"))
    parts = [
        "<!DOCTYPE html>",
        '<html lang="zh-CN"><head>',
        meta,
        f"<title>{escape(title)}_{escape(a)}</title>",
        '<link rel="stylesheet" href="/css/common.css"><script src="/js/jquery.min.js"></script>',
        "</head><body>",
        f'<div class="header"><div class="logo">{escape(a)}</div><ul class="nav">',
        "".join(f'<li><a href="/col/{i}/">{n}</a></li>' for i, n in enumerate(NAV)),
        "</ul></div>",
        '<div class="crumb">当前位置：'
        + " &gt; ".join(f'<a href="#">{c}</a>' for c in rng.choice(CRUMBS))
        + "</div>",
        '<div class="xxgk-info"><table class="info"><tr>',
        f"<td>索引号：</td><td>{index_no}</td><td>发布机构：</td><td>{escape(a)}</td></tr><tr>",
        f"<td>发文日期：</td><td>{report.published.isoformat()}</td><td>主题分类：</td><td>政务公开</td></tr><tr>",
        f'<td>名　　称：</td><td colspan="3">{escape(title)}</td></tr></table></div>',
        '<div class="article">',
        f'<h1 class="title">{"<br>".join(escape(t) for t in titles)}</h1>',
        f'<div class="meta">发布时间：{report.published.isoformat()}　来源：{escape(a)}　'
        '浏览次数：<span id="hits"></span>　【字体：<a href="#">大</a> <a href="#">中</a> <a href="#">小</a>】</div>',
        '<div class="content" id="zoom">',
    ]
    for b in report.blocks:
        if b.kind == "title":
            continue
        if b.kind == "table" and b.grid is not None:
            parts.append(_table(b.grid, rng))
        elif b.kind == "heading":
            if head_tag == "h3":
                parts.append(f"<h3>{escape(b.text)}</h3>")
            else:
                parts.append(f'<p style="{p_style}"><{head_tag}>{escape(b.text)}</{head_tag}></p>')
        elif b.kind in ("signature", "date"):
            parts.append(f'<p style="text-align:right">{escape(b.text)}</p>')
        else:
            text = escape(b.text)
            if rng.random() < 0.3:
                text = f'<span style="font-family:{rng.choice(FONTS)};font-size:16px">{text}</span>'
            parts.append(f'<p style="{p_style}">{text}</p>')
    parts += [
        "</div>",
        '<div class="share">分享到：<a href="#">微信</a> <a href="#">微博</a> <a href="#">QQ空间</a>'
        '　<a href="javascript:window.print()">【打印本页】</a> <a href="javascript:window.close()">【关闭窗口】</a></div>',
        "</div>",
        f'<div class="footer"><p>主办单位：{escape(a)}　网站标识码：{code[:10]}</p>'
        f"<p>ICP备{rng.randint(10000000, 99999999)}号　版权所有</p></div>",
        "</body></html>",
    ]
    text = "\n".join(parts)
    if report.opts.get("traditional"):  # a site's 繁體 version of the page
        text = traditional(text)
    codec = "gb18030" if enc == "gb18030" else enc
    return text.encode(codec, errors="xmlcharrefreplace")
