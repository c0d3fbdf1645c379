/* nianbao report page: everything is computed here from the JSON in #nianbao-data.
   Text from the documents is only ever put into the page with text nodes (el() below),
   never as markup. */
(function () {
  "use strict";

  const DATA = JSON.parse(document.getElementById("nianbao-data").textContent);
  const META = DATA.meta;

  // ------------------------------------------------------------------ words
  const T = {
    zh: {
      title: "政府信息公开工作年度报告：数据与合规",
      subtitle: "数据集 {dataset}，{n} 份报告，生成于 {generated}",
      toggle: "English",
      overview: "概览", compliance: "合规", bodies: "机关", findings: "发现的问题", body: "机关详情",
      year: "年度", province: "省份", level: "层级", kind: "类型", rule: "规则", all: "全部", unknown: "未知",
      reports: "报告", n_bodies: "机关", requests: "新收申请", granted_share: "予以公开比例",
      reviews: "行政复议", suits: "行政诉讼", corrected_share: "纠错比例", years: "年度范围",
      c_by_year: "各年度报告数（按层级）", c_by_level: "各层级报告数", c_by_kind: "各类型报告数",
      c_by_province: "各省份报告数", c_coverage: "各年度有报告的机关数",
      c_outcomes: "依申请公开：办理结果（各年度合计）", c_reasons: "不予公开的理由（各年度合计）",
      c_reviews: "行政复议与行政诉讼（各年度合计）", c_rules: "各规则发现的问题数",
      outcome: "办理结果", reason: "理由", count: "件数", series: "类别",
      o_granted: "予以公开", o_partial: "部分公开", o_denied: "不予公开", o_unable: "无法提供",
      o_rejected: "不予处理", o_other: "其他处理",
      s_reviews: "行政复议", s_reviews_corrected: "复议纠错", s_suits: "行政诉讼", s_suits_corrected: "诉讼纠错",
      t_by_year: "各年度汇总", t_peers: "同类机关（同层级、同类型）合规情况", t_rank: "同类机关排名",
      t_reports: "各报告合规情况", t_bodies: "机关列表", t_findings: "发现的问题", t_cells: "各年度报告数字",
      t_body_findings: "该机关的问题",
      agency: "机关", published: "发布日期", deadline: "法定期限", days_late: "逾期天数",
      on_time: "按期", complete: "完整", arithmetic: "算术一致", original: "非雷同", fee: "收费说明",
      n_error: "错误", n_warning: "警告", n_info: "提示", n_findings: "问题数",
      peer: "同类组", group_bodies: "机关数", score: "合规得分", rank: "组内排名",
      refusal: "不予公开率", refusal_rank: "不予公开率排名", not_ranked: "不排名",
      severity: "严重程度", message: "说明", where: "原文位置", printed: "原文", picture: "原文截图",
      variable: "项目", part: "第{n}部分", csv: "下载CSV", rows: "{n} 行", shown_first: "（显示前 {n} 行，CSV 含全部）",
      back: "← 返回机关列表", no_data: "无数据", status: "读取状态", template: "格式",
      rule_text:
        "排名规则：只在同类机关（同一层级、同一类型）之间比较；同类组中可比较的机关少于 {peers} 个时不排名；" +
        "比率的分母（办理的申请数）少于 {min} 件时，只显示件数，不参与排名。合规得分 = 通过的检查数 ÷ 可检查数。",
      checks_text:
        "检查项：按期——《政府信息公开条例》第四十九条，部门于次年1月31日前、人民政府于次年3月31日前发布；" +
        "完整——六个部分、三张表格和表内各项齐全；算术一致——表三、表四的勾稽关系（含跨年度结转）成立；" +
        "非雷同——正文未与他人或上年报告高度雷同；收费说明——2021年格式第六部分说明信息处理费收取情况。",
      body_text: "每个数字下方注明其在原文中的位置：PDF 为页码和坐标（单位：点，原点在页面左上角），Word/网页为元素路径，文本文件为行号。",
      yes: "是", no: "否",
    },
    en: {
      title: "Government information disclosure annual reports: data and compliance",
      subtitle: "Dataset {dataset}, {n} reports, generated {generated}",
      toggle: "中文",
      overview: "Overview", compliance: "Compliance", bodies: "Bodies", findings: "Findings", body: "Body",
      year: "Year", province: "Province", level: "Level", kind: "Kind", rule: "Rule", all: "All", unknown: "unknown",
      reports: "Reports", n_bodies: "Bodies", requests: "New requests", granted_share: "Granted in full",
      reviews: "Reconsiderations", suits: "Lawsuits", corrected_share: "Corrected", years: "Years",
      c_by_year: "Reports per year (by level)", c_by_level: "Reports per level", c_by_kind: "Reports per kind",
      c_by_province: "Reports per province", c_coverage: "Bodies with a report, per year",
      c_outcomes: "Requests: outcomes per year", c_reasons: "Refusal reasons per year",
      c_reviews: "Reconsiderations and lawsuits per year", c_rules: "Findings per rule",
      outcome: "Outcome", reason: "Reason", count: "Count", series: "Series",
      o_granted: "granted", o_partial: "partly granted", o_denied: "refused", o_unable: "cannot provide",
      o_rejected: "not processed", o_other: "other",
      s_reviews: "reconsiderations", s_reviews_corrected: "reconsiderations corrected", s_suits: "lawsuits",
      s_suits_corrected: "lawsuits corrected",
      t_by_year: "Summary per year", t_peers: "Compliance per peer group (same level and kind)", t_rank: "Rankings among peers",
      t_reports: "Compliance per report", t_bodies: "Bodies", t_findings: "Findings", t_cells: "The reports' numbers, year by year",
      t_body_findings: "This body's findings",
      agency: "Body", published: "Published", deadline: "Deadline", days_late: "Days late",
      on_time: "On time", complete: "Complete", arithmetic: "Adds up", original: "Not copied", fee: "Fee statement",
      n_error: "Errors", n_warning: "Warnings", n_info: "Info", n_findings: "Findings",
      peer: "Peer group", group_bodies: "Bodies", score: "Compliance score", rank: "Rank among peers",
      refusal: "Refusal rate", refusal_rank: "Refusal rank", not_ranked: "not ranked",
      severity: "Severity", message: "Message", where: "Where printed", printed: "Printed", picture: "Printed cell",
      variable: "Item", part: "part {n}", csv: "Download CSV", rows: "{n} rows", shown_first: " (first {n} shown; the CSV has all)",
      back: "← back to the bodies", no_data: "no data", status: "Status", template: "Format",
      rule_text:
        "Ranking rule: a body is compared only with its peers (same level and kind); a peer group with fewer than {peers} " +
        "comparable bodies is not ranked; a rate over fewer than {min} processed requests is shown with its count and not ranked. " +
        "Compliance score = checks passed ÷ checks that could be made.",
      checks_text:
        "Checks: on time — Regulations art. 49: departments by 31 January, governments by 31 March of the next year; " +
        "complete — six parts, three tables and their cells; adds up — the identities of tables 3 and 4 (and the carry-over " +
        "between years) hold; not copied — the text does not nearly repeat another report; fee statement — part 6 of the " +
        "2021 format says whether processing fees were charged.",
      body_text: "Under each number: where it was printed — page and box for a PDF (points, origin at the top-left corner), element path for Word and web pages, line numbers for text files.",
      yes: "yes", no: "no",
    },
  };
  const LEVELS = {
    zh: { "国务院部门": "国务院部门", "省": "省级", "市": "市级", "县": "县级", "乡镇": "乡镇" },
    en: { "国务院部门": "State Council department", "省": "province", "市": "prefecture", "县": "county", "乡镇": "township" },
  };
  const KINDS = {
    zh: { government: "人民政府", department: "部门", township: "乡镇街道", zone: "开发区园区" },
    en: { government: "government", department: "department", township: "township", zone: "development zone" },
  };
  const RULES_ZH = {
    "t3.balance": "表三 收支平衡", "t3.outcome_sum": "表三 办理结果合计", "t3.row_total": "表三 行合计",
    "t4.group_total": "表四 合计", "identity.not_assessable": "勾稽关系无法检查", "cell.negative": "负数",
    "cell.fractional": "非整数", "cell.unit": "金额单位", "complete.section_missing": "缺少部分",
    "complete.table_missing": "缺少表格", "complete.cell_missing": "缺少单元格", "template.unknown": "格式不明",
    "template.year_mismatch": "格式与年度不符", "date.missing": "无发布日期", "date.late": "逾期发布",
    "date.before_period_end": "发布日期早于统计期末", "fee.statement_missing": "未说明收费",
    "narrative.mismatch": "正文与表格不符", "crossyear.carry": "跨年度结转不符", "crossyear.in_force": "现行有效件数不符",
    "copy.previous_year": "与上年雷同", "copy.same_year": "与同年他人雷同", "review.all_zero": "全为零",
  };
  const SEV = { zh: { error: "错误", warning: "警告", info: "提示" }, en: { error: "error", warning: "warning", info: "info" } };
  const ROW_CAP = 1000;

  let lang = "zh";
  const state = { tab: "overview", body: null, year: "", province: "", level: "", kind: "", rule: "" };

  function t(key, vars) {
    let s = (T[lang] && T[lang][key]) || T.zh[key] || key;
    if (vars) for (const k of Object.keys(vars)) s = s.split("{" + k + "}").join(String(vars[k]));
    return s;
  }
  const levelName = (v) => (v == null ? t("unknown") : LEVELS[lang][v] || v);
  const kindName = (v) => (v == null ? t("unknown") : KINDS[lang][v] || v);
  const ruleName = (r) => (lang === "zh" ? (RULES_ZH[r] || r) + " (" + r + ")" : r);
  const sevName = (s) => SEV[lang][s] || s;

  /** An element; children are nodes or strings (as text, never parsed). */
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v == null || v === false) continue;
      if (k === "class") node.className = v;
      else if (k === "on") for (const [ev, fn] of Object.entries(v)) node.addEventListener(ev, fn);
      else node.setAttribute(k, v === true ? "" : String(v));
    }
    for (const c of children.flat()) {
      if (c == null) continue;
      node.appendChild(typeof c === "string" || typeof c === "number" ? document.createTextNode(String(c)) : c);
    }
    return node;
  }
  const fmtNum = (v) => (v == null ? "" : Number(v).toLocaleString(lang === "zh" ? "zh-CN" : "en-US"));
  const pct = (a, b) => (b ? Math.round((1000 * a) / b) / 10 + "%" : "");
  function flag(v) {
    if (v == null) return el("span", { class: "na" }, "–");
    return v ? el("span", { class: "yes" }, "✓ " + t("yes")) : el("span", { class: "no" }, "✗ " + t("no"));
  }
  const sum = (xs) => xs.reduce((a, b) => a + (b || 0), 0);
  const known = (xs) => xs.filter((x) => x != null);
  function groupBy(xs, f) {
    const m = new Map();
    for (const x of xs) {
      const k = f(x);
      if (!m.has(k)) m.set(k, []);
      m.get(k).push(x);
    }
    return m;
  }

  // ------------------------------------------------------------------ data and filters
  const DOCS = DATA.docs;
  const DOC = new Map(DOCS.map((d) => [d.id, d]));
  const FINDINGS = DATA.findings;
  const RULES_OF = new Map();
  for (const f of FINDINGS) {
    if (!RULES_OF.has(f.doc)) RULES_OF.set(f.doc, new Set());
    RULES_OF.get(f.doc).add(f.rule);
  }

  function filteredDocs() {
    return DOCS.filter(
      (d) =>
        (!state.year || String(d.year) === state.year) &&
        (!state.province || (d.province || "") === state.province) &&
        (!state.level || (d.level || "") === state.level) &&
        (!state.kind || (d.kind || "") === state.kind) &&
        (!state.rule || (RULES_OF.get(d.id) || new Set()).has(state.rule))
    );
  }
  function filteredFindings(docs) {
    const ids = new Set(docs.map((d) => d.id));
    return FINDINGS.filter((f) => ids.has(f.doc) && (!state.rule || f.rule === state.rule));
  }

  function options(values, label) {
    return [["", t("all")], ...values.map((v) => [v, label ? label(v) : v])];
  }
  function renderFilters() {
    const box = document.getElementById("filters");
    box.replaceChildren();
    const uniq = (f) => [...new Set(DOCS.map(f).filter((v) => v != null && v !== ""))].sort();
    const defs = [
      ["year", uniq((d) => (d.year == null ? null : String(d.year)))],
      ["province", uniq((d) => d.province)],
      ["level", uniq((d) => d.level), levelName],
      ["kind", uniq((d) => d.kind), kindName],
      ["rule", [...new Set(FINDINGS.map((f) => f.rule))].sort(), ruleName],
    ];
    for (const [key, values, label] of defs) {
      const sel = el("select", { id: "filter-" + key, "data-filter": key, on: { change: (e) => { state[key] = e.target.value; render(); } } });
      for (const [v, text] of options(values, label)) {
        const o = el("option", { value: v }, text);
        if (v === state[key]) o.selected = true;
        sel.appendChild(o);
      }
      box.appendChild(el("label", {}, t(key), sel));
    }
  }

  // ------------------------------------------------------------------ tables and CSV
  function csvText(columns, rows) {
    const q = (v) => {
      if (v == null) return "";
      const s = String(v);
      return /[",\n\r]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
    };
    const lines = [columns.map((c) => c.key).join(",")];
    for (const r of rows) lines.push(columns.map((c) => q(c.csv ? c.csv(r) : c.value(r))).join(","));
    return lines.join("\r\n") + "\r\n";
  }
  function download(name, text) {
    const blob = new Blob(["\ufeff" + text], { type: "text/csv;charset=utf-8" });
    const a = el("a", { href: URL.createObjectURL(blob), download: name });
    document.body.appendChild(a);
    a.click();
    setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
  }
  /** columns: {key, label, value(row), show(row) -> node|string, num}; the CSV has value(). */
  function table(id, columns, rows) {
    const head = el("tr", {}, columns.map((c) => el("th", { scope: "col" }, c.label)));
    const body = el("tbody", {});
    for (const r of rows.slice(0, ROW_CAP)) {
      body.appendChild(
        el("tr", {}, columns.map((c) => {
          const v = c.show ? c.show(r) : c.value(r);
          return el("td", { class: c.num ? "num" : null }, typeof v === "number" ? fmtNum(v) : v);
        }))
      );
    }
    const note = t("rows", { n: rows.length }) + (rows.length > ROW_CAP ? t("shown_first", { n: ROW_CAP }) : "");
    const btn = el("button", { type: "button", class: "csv", "data-table": id, on: { click: () => download("nianbao-" + id + ".csv", csvText(columns, rows)) } }, t("csv"));
    return el("div", { class: "table-block" },
      el("div", { class: "table-wrap" }, el("table", { id: "table-" + id, "data-rows": rows.length }, el("thead", {}, head), body)),
      el("div", { class: "table-tools" }, el("span", { class: "row-count" }, note), btn));
  }
  const col = (key, value, extra) => Object.assign({ key, label: t(key), value }, extra || {});
  const bodyLink = (d) =>
    el("a", { class: "body-link", href: "#body=" + encodeURIComponent(d.key), on: { click: (e) => { e.preventDefault(); openBody(d.key); } } }, d.agency || d.key);

  // ------------------------------------------------------------------ charts
  const charts = [];
  function chart(id, title, values, spec) {
    const box = el("div", { class: "chart", id: "chart-" + id }, el("h3", {}, title));
    const target = el("div", { class: "vis" });
    box.appendChild(target);
    if (!values.length) {
      box.appendChild(el("p", { class: "na" }, t("no_data")));
    } else {
      charts.push([target, Object.assign({ height: 220, data: { values }, config: { font: "sans-serif", legend: { orient: "bottom", columns: 2, labelLimit: 320 } } }, spec)]);
    }
    return box;
  }
  function drawCharts() {
    const jobs = charts.splice(0).map(([target, spec]) => {
      // an explicit width: the box's, less the axis and legend
      const width = Math.max(240, (target.parentElement.clientWidth || 480) - 24);
      const fit = { width, autosize: { type: "fit-x", contains: "padding" } };
      return window.vegaEmbed(target, Object.assign(fit, spec), { actions: false, renderer: "svg" })
        .catch((err) => console.error("chart failed", err));
    });
    window.__chartsReady = Promise.all(jobs).then(() => true);
  }
  const bar = (x, y, color, extra) => Object.assign({
    mark: { type: "bar", tooltip: true },
    encoding: Object.assign({ x, y }, color ? { color } : {}),
  }, extra || {});

  // ------------------------------------------------------------------ views
  function kpi(label, value) {
    return el("div", { class: "kpi" }, el("b", {}, value), el("span", {}, label));
  }

  function viewOverview(docs) {
    const findings = filteredFindings(docs);
    const bodies = new Set(docs.map((d) => d.key));
    const years = known(docs.map((d) => d.year));
    const requests = sum(docs.map((d) => d.requests));
    const granted = sum(docs.map((d) => d.granted));
    const processed = sum(docs.map((d) => d.processed));
    const cases = sum(docs.map((d) => d.reviews)) + sum(docs.map((d) => d.suits));
    const corrected = sum(docs.map((d) => d.reviews_corrected)) + sum(docs.map((d) => d.suits_corrected));
    const out = [
      el("div", { class: "kpis" },
        kpi(t("reports"), fmtNum(docs.length)), kpi(t("n_bodies"), fmtNum(bodies.size)),
        kpi(t("years"), years.length ? Math.min(...years) + "–" + Math.max(...years) : "–"),
        kpi(t("requests"), fmtNum(requests)), kpi(t("granted_share"), pct(granted, processed) || "–"),
        kpi(t("reviews"), fmtNum(sum(docs.map((d) => d.reviews)))), kpi(t("suits"), fmtNum(sum(docs.map((d) => d.suits)))),
        kpi(t("corrected_share"), pct(corrected, cases) || "–")),
    ];
    const Y = { field: "year", type: "ordinal", title: t("year"), axis: { labelAngle: 0 } };
    const N = { field: "n", type: "quantitative", title: t("count"), axis: { tickMinStep: 1, format: "d" } };
    const count = (f) => [...groupBy(docs, f)].map(([k, v]) => ({ k, n: v.length }));
    const byYearLevel = [];
    for (const [k, v] of groupBy(docs.filter((d) => d.year != null), (d) => d.year + "|" + levelName(d.level))) {
      const [year, level] = k.split("|");
      byYearLevel.push({ year, level, n: v.length });
    }
    const coverage = [...groupBy(docs.filter((d) => d.year != null), (d) => d.year)].map(([year, v]) => ({ year, n: new Set(v.map((d) => d.key)).size }));
    const outcomes = [];
    const reasons = [];
    const cases4 = [];
    for (const [year, v] of groupBy(docs.filter((d) => d.year != null), (d) => d.year)) {
      for (const o of ["granted", "partial", "denied", "unable", "rejected", "other"]) {
        const vals = known(v.map((d) => d[o]));
        if (vals.length) outcomes.push({ year, outcome: t("o_" + o), n: sum(vals) });
      }
      const rs = new Map();
      for (const d of v) for (const [name, n] of Object.entries(d.reasons || {})) rs.set(name, (rs.get(name) || 0) + n);
      for (const [name, n] of rs) if (n) reasons.push({ year, reason: varLabel(name).replace(/^.*不予公开\s*/, ""), n });
      for (const s of ["reviews", "reviews_corrected", "suits", "suits_corrected"]) {
        const vals = known(v.map((d) => d[s]));
        if (vals.length) cases4.push({ year, series: t("s_" + s), n: sum(vals) });
      }
    }
    out.push(el("div", { class: "charts" },
      chart("by-year", t("c_by_year"), byYearLevel, bar(Y, N, { field: "level", type: "nominal", title: t("level") })),
      chart("by-level", t("c_by_level"), count((d) => levelName(d.level)), bar({ field: "k", type: "nominal", title: t("level"), sort: "-y", axis: { labelAngle: 0 } }, N)),
      chart("by-kind", t("c_by_kind"), count((d) => kindName(d.kind)), bar({ field: "k", type: "nominal", title: t("kind"), sort: "-y", axis: { labelAngle: 0 } }, N)),
      chart("by-province", t("c_by_province"), count((d) => d.province || t("unknown")), bar({ field: "k", type: "nominal", title: t("province"), sort: "-y", axis: { labelAngle: -45 } }, N)),
      chart("coverage", t("c_coverage"), coverage, { mark: { type: "line", point: true, tooltip: true }, encoding: { x: Y, y: N } }),
      chart("outcomes", t("c_outcomes"), outcomes, bar(Y, N, { field: "outcome", type: "nominal", title: t("outcome") })),
      chart("reasons", t("c_reasons"), reasons, bar(Y, N, { field: "reason", type: "nominal", title: t("reason") })),
      chart("reviews", t("c_reviews"), cases4, bar(Y, N, { field: "series", type: "nominal", title: t("series") }, { encoding: { x: Y, y: N, xOffset: { field: "series" }, color: { field: "series", type: "nominal", title: t("series") } } })),
      chart("rules", t("c_rules"), [...groupBy(findings, (f) => f.rule)].map(([k, v]) => ({ k: ruleName(k), n: v.length })), bar(N, { field: "k", type: "nominal", title: t("rule"), sort: "-x" }))
    ));
    const rows = [...groupBy(docs, (d) => (d.year == null ? "" : d.year))].sort((a, b) => String(a[0]).localeCompare(String(b[0]))).map(([year, v]) => ({
      year: String(year), reports: v.length, bodies: new Set(v.map((d) => d.key)).size,
      requests: sum(v.map((d) => d.requests)), granted: sum(v.map((d) => d.granted)), denied: sum(v.map((d) => d.denied)),
      reviews: sum(v.map((d) => d.reviews)), suits: sum(v.map((d) => d.suits)),
      on_time: v.filter((d) => d.on_time === true).length,
    }));
    out.push(el("h2", {}, t("t_by_year")), table("years", [
      col("year", (r) => r.year), col("reports", (r) => r.reports, { num: true }), col("n_bodies", (r) => r.bodies, { num: true, key: "bodies" }),
      col("requests", (r) => r.requests, { num: true }), col("o_granted", (r) => r.granted, { num: true, key: "granted" }),
      col("o_denied", (r) => r.denied, { num: true, key: "denied" }), col("reviews", (r) => r.reviews, { num: true }),
      col("suits", (r) => r.suits, { num: true }), col("on_time", (r) => r.on_time, { num: true }),
    ], rows));
    return out;
  }

  const CHECKS = ["on_time", "complete", "arithmetic", "original", "fee"];
  function rate(docs, check) {
    const vals = known(docs.map((d) => d[check]));
    return { pass: vals.filter(Boolean).length, of: vals.length };
  }
  const showRate = (r) => (r.of ? r.pass + "/" + r.of + " (" + pct(r.pass, r.of) + ")" : "–");
  function score(docs) {
    let pass = 0, of = 0;
    for (const c of CHECKS) { const r = rate(docs, c); pass += r.pass; of += r.of; }
    return { pass, of, value: of ? pass / of : null };
  }

  function viewCompliance(docs) {
    const out = [
      el("p", { class: "note" }, t("checks_text")),
      el("p", { class: "rule-box", id: "ranking-rule" }, t("rule_text", { peers: META.min_peers, min: META.min_requests })),
    ];
    const peers = [...groupBy(docs, (d) => levelName(d.level) + " · " + kindName(d.kind))].sort();
    const peerRows = peers.map(([peer, v]) => Object.assign({ peer, bodies: new Set(v.map((d) => d.key)).size, reports: v.length }, Object.fromEntries(CHECKS.map((c) => [c, rate(v, c)]))));
    out.push(el("h2", {}, t("t_peers")), table("peers", [
      col("peer", (r) => r.peer), col("group_bodies", (r) => r.bodies, { num: true }), col("reports", (r) => r.reports, { num: true }),
      ...CHECKS.map((c) => col(c, (r) => (r[c].of ? (r[c].pass / r[c].of).toFixed(3) : ""), { show: (r) => showRate(r[c]) })),
    ], peerRows));

    // rankings: bodies within their peer group, never on tiny denominators
    const rankRows = [];
    for (const [peer, v] of peers) {
      const bodies = [...groupBy(v, (d) => d.key)].map(([key, ds]) => {
        const s = score(ds);
        const processed = sum(ds.map((d) => d.processed));
        const denied = sum(ds.map((d) => d.denied));
        return { peer, key, agency: ds[0].agency || key, doc: ds[0], reports: ds.length, score: s, processed, denied, rank: null, refusal_rank: null };
      });
      const scored = bodies.filter((b) => b.score.of > 0);
      if (scored.length >= META.min_peers) {
        scored.sort((a, b) => b.score.value - a.score.value);
        let prev = null, rank = 0;
        scored.forEach((b, i) => { if (b.score.value !== prev) { rank = i + 1; prev = b.score.value; } b.rank = rank; });
      }
      const rateable = bodies.filter((b) => b.processed >= META.min_requests);
      if (rateable.length >= META.min_peers) {
        rateable.sort((a, b) => a.denied / a.processed - b.denied / b.processed);
        let prev = null, rank = 0;
        rateable.forEach((b, i) => { const r = b.denied / b.processed; if (r !== prev) { rank = i + 1; prev = r; } b.refusal_rank = rank; });
      }
      bodies.sort((a, b) => (a.rank || 1e9) - (b.rank || 1e9) || a.agency.localeCompare(b.agency));
      rankRows.push(...bodies);
    }
    out.push(el("h2", {}, t("t_rank")), table("rankings", [
      col("peer", (r) => r.peer), col("agency", (r) => r.agency, { show: (r) => bodyLink(r.doc) }), col("reports", (r) => r.reports, { num: true }),
      col("score", (r) => (r.score.value == null ? "" : r.score.value.toFixed(3)), { show: (r) => showRate(r.score) }),
      col("rank", (r) => r.rank, { show: (r) => (r.rank == null ? el("span", { class: "na" }, t("not_ranked")) : String(r.rank)) }),
      col("refusal", (r) => (r.processed ? (r.denied / r.processed).toFixed(3) : ""), { show: (r) => (r.processed ? r.denied + "/" + r.processed + " (" + pct(r.denied, r.processed) + ")" : "–") }),
      col("refusal_rank", (r) => r.refusal_rank, { show: (r) => (r.refusal_rank == null ? el("span", { class: "na" }, t("not_ranked")) : String(r.refusal_rank)) }),
    ], rankRows));

    const reports = docs.slice().sort((a, b) => (a.agency || "").localeCompare(b.agency || "") || (a.year || 0) - (b.year || 0));
    out.push(el("h2", {}, t("t_reports")), table("reports", [
      col("doc_id", (d) => d.id, { label: "doc_id", show: (d) => d.id.slice(0, 12) }),
      col("agency", (d) => d.agency, { show: (d) => bodyLink(d) }), col("year", (d) => d.year, { show: (d) => (d.year == null ? "" : String(d.year)) }),
      col("level", (d) => d.level, { show: (d) => levelName(d.level) }), col("kind", (d) => d.kind, { show: (d) => kindName(d.kind) }),
      col("province", (d) => d.province), col("published", (d) => d.published), col("deadline", (d) => d.deadline),
      col("days_late", (d) => d.days_late, { num: true }),
      ...CHECKS.map((c) => col(c, (d) => (d[c] == null ? "" : d[c] ? 1 : 0), { show: (d) => flag(d[c]) })),
      col("n_error", (d) => d.n_error, { num: true }), col("n_warning", (d) => d.n_warning, { num: true }),
    ], reports));
    return out;
  }

  function bodies(docs) {
    return [...groupBy(docs, (d) => d.key)].map(([key, ds]) => ({
      key, doc: ds[0], agency: ds[0].agency || key, level: ds[0].level, kind: ds[0].kind, province: ds[0].province,
      years: [...new Set(known(ds.map((d) => d.year)))].sort().join(" "), reports: ds.length,
      findings: sum(ds.map((d) => (d.n_error || 0) + (d.n_warning || 0) + (d.n_info || 0))),
    })).sort((a, b) => a.agency.localeCompare(b.agency));
  }
  function viewBodies(docs) {
    return [el("h2", {}, t("t_bodies")), table("bodies", [
      col("agency", (b) => b.agency, { show: (b) => bodyLink(b.doc) }), col("level", (b) => b.level, { show: (b) => levelName(b.level) }),
      col("kind", (b) => b.kind, { show: (b) => kindName(b.kind) }), col("province", (b) => b.province),
      col("year", (b) => b.years), col("reports", (b) => b.reports, { num: true }), col("n_findings", (b) => b.findings, { num: true }),
    ], bodies(docs))];
  }

  const VARS = DATA.variables;
  const VAR_INDEX = new Map(VARS.map((v, i) => [v.name, i]));
  function varLabel(name) {
    const v = VARS[VAR_INDEX.get(name)];
    return v ? v[lang] : name;
  }
  function whereNode(f) {
    if (f.where) return f.where;
    if (f.section != null) return t("part", { n: f.section });
    return "";
  }
  function findingsTable(id, findings) {
    return table(id, [
      col("agency", (f) => DOC.get(f.doc).agency, { show: (f) => bodyLink(DOC.get(f.doc)) }),
      col("year", (f) => DOC.get(f.doc).year, { show: (f) => String(DOC.get(f.doc).year ?? "") }), col("severity", (f) => f.severity, { show: (f) => el("span", { class: "sev-" + f.severity }, sevName(f.severity)) }),
      col("rule", (f) => f.rule, { show: (f) => ruleName(f.rule) }), col("message", (f) => f.message),
      col("variable", (f) => f.variable, { show: (f) => (f.variable ? varLabel(f.variable) : "") }),
      col("printed", (f) => f.raw), col("where", (f) => whereNode(f)),
      col("picture", (f) => (f.crop ? "1" : ""), { show: (f) => (f.crop ? el("img", { class: "crop", src: f.crop, alt: f.where || "" }) : "") }),
      col("finding_id", (f) => f.id, { label: "id" }), col("doc_id", (f) => f.doc, { label: "doc_id", show: (f) => f.doc.slice(0, 12) }),
    ], findings);
  }
  function viewFindings(docs) {
    return [el("h2", {}, t("t_findings")), findingsTable("findings", filteredFindings(docs))];
  }

  function viewBody(docs) {
    const mine = docs.filter((d) => d.key === state.body).sort((a, b) => (a.year || 0) - (b.year || 0));
    const all = mine.length ? mine : DOCS.filter((d) => d.key === state.body);
    const out = [el("p", {}, el("a", { class: "body-link", href: "#", on: { click: (e) => { e.preventDefault(); state.body = null; setTab("bodies"); } } }, t("back")))];
    if (!all.length) return out.concat([el("p", { class: "na" }, t("no_data"))]);
    const first = all[0];
    out.push(el("h2", { id: "body-title" }, first.agency || first.key),
      el("p", { class: "note" }, [levelName(first.level), kindName(first.kind), first.province || ""].filter(Boolean).join(" · ")),
      el("p", { class: "note" }, t("body_text")));
    // reports by year side by side: one row per item any of them prints
    const cells = all.map((d) => new Map((DATA.cells[d.id] || []).map((c) => [c[0], c])));
    const used = [...new Set(cells.flatMap((m) => [...m.keys()]))].sort((a, b) => a - b);
    const rows = used.map((i) => ({ i, name: VARS[i].name, cells: cells.map((m) => m.get(i)) }));
    const cols = [col("variable", (r) => r.name, { show: (r) => el("span", { title: r.name }, VARS[r.i][lang]) })];
    all.forEach((d, j) => {
      const label = (d.year || "?") + " · " + (d.format || "");
      cols.push({ key: "y" + (d.year || "") + "_" + d.id.slice(0, 8), label, num: true,
        value: (r) => (r.cells[j] ? r.cells[j][1] : null),
        show: (r) => {
          const c = r.cells[j];
          if (!c) return "";
          const shown = c[1] == null ? c[2] || "" : fmtNum(c[1]);
          const raw = c[1] != null && c[2] != null && String(c[2]) !== String(c[1]) ? " [" + c[2] + "]" : "";
          return el("span", {}, shown + raw, el("span", { class: "prov" }, c[3] || ""));
        } });
    });
    out.push(el("h3", {}, t("t_cells")), table("body-cells", cols, rows));
    const ids = new Set(all.map((d) => d.id));
    out.push(el("h3", {}, t("t_body_findings")), findingsTable("body-findings", FINDINGS.filter((f) => ids.has(f.doc) && (!state.rule || f.rule === state.rule))));
    return out;
  }

  // ------------------------------------------------------------------ frame
  const TABS = ["overview", "compliance", "bodies", "findings"];
  function setTab(tab) { state.tab = tab; render(); }
  function openBody(key) { state.body = key; state.tab = "body"; if (location.hash !== "#body=" + encodeURIComponent(key)) history.replaceState(null, "", "#body=" + encodeURIComponent(key)); render(); window.scrollTo(0, 0); }

  function render() {
    document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
    document.title = t("title");
    document.getElementById("title").textContent = t("title");
    document.getElementById("subtitle").textContent = t("subtitle", { dataset: META.dataset, n: DOCS.length, generated: META.generated });
    document.getElementById("lang-toggle").textContent = t("toggle");
    const nav = document.getElementById("tabs");
    nav.replaceChildren(...TABS.concat(state.tab === "body" ? ["body"] : []).map((tab) =>
      el("button", { type: "button", id: "tab-" + tab, role: "tab", "aria-selected": String(state.tab === tab), on: { click: () => setTab(tab) } }, t(tab))));
    renderFilters();
    const docs = filteredDocs();
    const view = document.getElementById("view");
    const build = { overview: viewOverview, compliance: viewCompliance, bodies: viewBodies, findings: viewFindings, body: viewBody }[state.tab];
    view.replaceChildren(...build(docs));
    view.setAttribute("data-view", state.tab);
    document.getElementById("footer").textContent = "nianbao · " + META.generated;
    drawCharts();
  }

  document.getElementById("lang-toggle").addEventListener("click", () => { lang = lang === "zh" ? "en" : "zh"; render(); });
  function fromHash() {
    const m = /^#body=(.+)$/.exec(location.hash);
    if (m) { state.body = decodeURIComponent(m[1]); state.tab = "body"; }
  }
  window.addEventListener("hashchange", () => { fromHash(); render(); });
  fromHash();
  window.nianbaoReport = { state, render, csvText, filteredDocs, filteredFindings };
  render();
})();
