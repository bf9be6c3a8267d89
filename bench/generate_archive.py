"""Generate a synthetic archive of N reports straight into SQLite, for scale tests.

    python bench/generate_archive.py 100000 --db /tmp/archive-100k.db

The schema is the real one (pipelines.store.open_db, all migrations); rows are written with
plain INSERTs (no extraction), with the cell, check and full-text indexes built after the load.
Bodies are real divisions of the code table (pipelines/adcodes.csv): per county a government
and a few departments, more per city and province, a few townships; each body reports on
consecutive years (2019 template for 2019–2020, 2021 template after, some pre-2019 text-only
reports), sometimes skipping a year. Request numbers are log-normal by level (a county
department receives a handful, a province government hundreds), split over applicant types
and outcomes with shares close to published national totals; carried-over requests equal the
previous year's carried-forward ones except in a few bodies; about 3% of reports break an
identity and 1% have unreadable cells. Seeded: the same N gives the same archive.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pipelines import regions  # noqa: E402
from pipelines.store import fill_report_totals, open_db, upsert_site  # noqa: E402
from pipelines.tables import templates as T  # noqa: E402

YEARS = range(2015, 2025)
DEPARTMENTS = ["财政局", "教育局", "公安局", "民政局", "自然资源和规划局", "生态环境局", "住房和城乡建设局",
               "交通运输局", "卫生健康委员会", "市场监督管理局", "人力资源和社会保障局", "农业农村局",
               "应急管理局", "水利局", "商务局", "文化广电旅游局", "司法局", "审计局", "统计局", "医疗保障局"]
TOWNS = ["城关镇", "新华街道", "东城街道", "西城街道", "城南镇", "河口镇", "长安镇", "太平镇", "永安乡", "青山镇"]
# (median new requests a year, log-normal sigma) by level
VOLUME = {"province-government": (260, 0.8), "province-department": (45, 1.0),
          "city-government": (120, 0.9), "city-department": (18, 1.1),
          "county-government": (40, 0.9), "county-department": (4, 1.2),
          "township-government": (1.5, 1.0)}
YEAR_FACTOR = {2015: 0.5, 2016: 0.55, 2017: 0.6, 2018: 0.7, 2019: 0.8, 2020: 0.9, 2021: 1.0,
               2022: 1.05, 2023: 1.12, 2024: 1.1}
APPLICANT_SHARE = {"natural_person": 0.86, "commercial_enterprise": 0.08, "research_institution": 0.004,
                   "social_welfare_org": 0.004, "legal_service_org": 0.02, "other_org": 0.032}
OUTCOME_SHARE = {
    "granted": 0.36, "partially_granted": 0.08,
    "denied_state_secret": 0.002, "denied_prohibited_by_law": 0.004, "denied_three_safeties": 0.004,
    "denied_third_party": 0.008, "denied_internal_affairs": 0.01, "denied_process_info": 0.012,
    "denied_enforcement_file": 0.006, "denied_administrative_query": 0.01,
    "unavailable_not_held": 0.22, "unavailable_needs_creation": 0.04, "unavailable_unclear": 0.035,
    "not_processed_petition": 0.06, "not_processed_duplicate": 0.03, "not_processed_publication": 0.004,
    "not_processed_excessive": 0.006, "not_processed_confirmation": 0.01,
    "other_no_correction": 0.05, "other_unpaid_fee": 0.001, "other_other": 0.05,
}
LABELS = {
    "new_received": "一、本年新收政府信息公开申请数量", "carried_over": "二、上年结转政府信息公开申请数量",
    "granted": "（一）予以公开", "partially_granted": "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
    "denied_state_secret": "1.属于国家秘密", "denied_prohibited_by_law": "2.其他法律行政法规禁止公开",
    "denied_three_safeties": "3.危及“三安全一稳定”", "denied_third_party": "4.保护第三方合法权益",
    "denied_internal_affairs": "5.属于三类内部事务信息", "denied_process_info": "6.属于四类过程性信息",
    "denied_enforcement_file": "7.属于行政执法案卷", "denied_administrative_query": "8.属于行政查询事项",
    "unavailable_not_held": "1.本机关不掌握相关政府信息", "unavailable_needs_creation": "2.没有现成信息需要另行制作",
    "unavailable_unclear": "3.补正后申请内容仍不明确", "not_processed_petition": "1.信访举报投诉类申请",
    "not_processed_duplicate": "2.重复申请", "not_processed_publication": "3.要求提供公开出版物",
    "not_processed_excessive": "4.无正当理由大量反复申请",
    "not_processed_confirmation": "5.要求行政机关确认或重新出具已获取信息",
    "other_no_correction": "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
    "other_unpaid_fee": "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
    "other_other": "3.其他", "other": "（六）其他处理", "total_processed": "（七）总计",
    "carried_forward": "四、结转下年度继续办理",
}
RESULT_SHARE = {"upheld": 0.7, "corrected": 0.1, "other": 0.1, "pending": 0.1}
PARAGRAPHS = [
    "{agency}认真贯彻落实《中华人民共和国政府信息公开条例》，坚持以公开为常态、不公开为例外，"
    "围绕中心工作，持续深化政务公开，现将{year}年度政府信息公开工作情况报告如下。",
    "一、总体情况。{year}年，{agency}主动公开政府信息{published}条，其中规范性文件{docs}件。"
    "政府信息公开专栏及时更新机构职能、财政预决算、重点领域信息。",
    "依申请公开方面，全年新收政府信息公开申请{received}件，上年结转{carried}件，办结{processed}件，"
    "其中予以公开{granted}件，部分公开{partial}件，不予公开{denied}件，无法提供{unavailable}件。",
    "政府信息管理方面，严格落实公开属性源头认定和保密审查制度，动态调整主动公开基本目录。",
    "行政复议、行政诉讼方面，因政府信息公开工作被申请行政复议{reviews}件，被提起行政诉讼{lawsuits}件。",
    "监督保障方面，将政务公开纳入绩效考核，组织专题培训{trainings}次，社会评议和责任追究制度运行平稳。",
    "存在的主要问题是公开内容的针对性和解读的实效性有待加强。下一步将进一步规范依申请公开办理流程，"
    "提升答复质量，加强政策解读与回应关切。",
    "本报告所列数据的统计期限自{year}年1月1日起至{year}年12月31日止。"
    "如对本报告有疑问，请与{agency}政务公开办公室联系。",
]


def split(rng: random.Random, n: int, shares: dict[str, float]) -> dict[str, int]:
    """A multinomial draw of n over shares (sequential binomials)."""
    out, left, rest = {}, n, 1.0
    keys = list(shares)
    for k in keys[:-1]:
        p = min(1.0, shares[k] / rest) if rest > 0 else 0.0
        x = binomial(rng, left, p)
        out[k], left, rest = x, left - x, rest - shares[k]
    out[keys[-1]] = left
    return out


def binomial(rng: random.Random, n: int, p: float) -> int:
    if n <= 0 or p <= 0:
        return 0
    if p >= 1:
        return n
    if n < 40:
        return sum(rng.random() < p for _ in range(n))
    mean, sd = n * p, math.sqrt(n * p * (1 - p))
    return max(0, min(n, round(rng.gauss(mean, sd))))


def bodies(rng: random.Random, n_reports: int) -> list[dict]:
    """Reporting bodies on real divisions, about n_reports / 6.3 of them."""
    by_code = regions._table()[0]
    divisions = [d for d in by_code.values() if not d.code.startswith(("71", "81", "82"))]
    provinces = [d for d in divisions if d.level == "province"]
    cities = [d for d in divisions if d.level == "city" and d.name != regions.division(d.parent).name]
    counties = [d for d in divisions if d.level == "county"]
    wanted = max(6, round(n_reports / 6.3))
    out: list[dict] = []

    def add(div, tier, agency, kind):
        out.append({"division": div, "agency": agency, "level": f"{tier}-{kind}"})

    # Mix in roughly the proportions of real reporting bodies, scaled to the size asked for.
    scale = wanted / (len(provinces) * 21 + len(cities) * 9 + len(counties) * 4.2)
    for div in provinces:
        add(div, "province", div.name + "人民政府", "government")
        for dept in rng.sample(DEPARTMENTS, k=min(len(DEPARTMENTS), max(1, round(20 * scale)))):
            name = dept.replace("局", "厅") if dept.endswith("局") else dept
            add(div, "province", div.name + name, "department")
    for div in cities:
        if rng.random() < min(1.0, scale * 1.5):
            add(div, "city", div.name + "人民政府", "government")
        for dept in rng.sample(DEPARTMENTS, k=min(len(DEPARTMENTS), max(0, round(8 * scale + rng.random())))):
            add(div, "city", div.name + dept, "department")
    for div in counties:
        if rng.random() < min(1.0, scale):
            add(div, "county", div.name + "人民政府", "government")
            for dept in rng.sample(DEPARTMENTS, k=max(0, round(3 * rng.random() * 2 * min(1.0, scale)))):
                add(div, "county", div.name + dept, "department")
            if rng.random() < 0.15:
                add(div, "township", div.name + rng.choice(TOWNS) + "人民政府", "government")
    rng.shuffle(out)
    return out[:wanted] if len(out) > wanted else out


def site_of(body: dict) -> dict:
    """Departments publish on their government's portal: one site per division."""
    d = body["division"]
    lineage = regions.lineage(d)
    province = lineage[0].name
    city = next((x.name for x in lineage if x.level == "city"), None)
    return {"id": f"gov_{d.code}", "name": f"{d.name}人民政府门户网站", "agency": d.name + "人民政府",
            "province": province, "city": city if d.level != "province" else None,
            "level": f"{d.level}-government", "platform": "trs",
            "column_url": f"https://www.example.gov.cn/{d.code}/zfxxgk/nb/", "sample": 0, "verified": 0}


def generate(n: int, db_path: Path, seed: int = 20240101) -> dict:
    rng = random.Random(seed)
    for suffix in ("", "-wal", "-shm"):
        Path(str(db_path) + suffix).unlink(missing_ok=True)
    db = open_db(db_path)
    conn = db.conn
    conn.execute("PRAGMA foreign_keys=OFF")
    conn.execute("PRAGMA synchronous=OFF")
    # Secondary indexes and the FTS triggers are rebuilt after the load (much faster).
    deferred = [(name, sql) for name, sql in conn.execute(
        "select name, sql from sqlite_master where type in ('index', 'trigger') and sql is not null "
        "and (tbl_name in ('applications', 'active_disclosure', 'reviews_litigation', 'checks') "
        "or type = 'trigger')")]
    for name, sql in deferred:
        conn.execute(f"DROP {'TRIGGER' if sql.upper().startswith('CREATE TRIGGER') else 'INDEX'} [{name}]")


    body_list = bodies(rng, n)
    sites = {}
    for b in body_list:
        s = site_of(b)
        b["site_id"] = s["id"]
        sites[s["id"]] = s
    for s in sites.values():
        upsert_site(db, s)
    site_rows = {r["id"]: r for r in db.query("select * from sites")}

    # Years per body: a run of consecutive years ending in 2023 or 2024, with a few gaps,
    # sized so the total comes to n.
    per_body = n / len(body_list)
    plans = []
    for b in body_list:
        length = max(1, min(len(YEARS), round(rng.gauss(per_body, 1.2))))
        last = 2024 if rng.random() < 0.8 else 2023
        years = [y for y in range(last - length + 1, last + 1) if y in YEARS]
        if len(years) > 3 and rng.random() < 0.12:
            years.remove(rng.choice(years[1:-1]))
        plans.extend((b, y) for y in years)
    rng.shuffle(plans)
    plans = sorted(plans[:n], key=lambda p: (p[1], p[0]["site_id"]))
    while len(plans) < n:  # top up with extra pre-2019 reports of random bodies
        b = rng.choice(body_list)
        plans.append((b, rng.choice(range(2015, 2019))))

    report_id = 0
    reports, files, apps, active, cases, checks = [], [], [], [], [], []
    carried = {}  # (site, agency) -> last year's carried_forward per applicant
    t0 = time.monotonic()
    stats = {"reports": 0, "cells": 0, "checks": 0}
    report_cols = ("id", "site_id", "doc_key", "version", "is_latest", "fingerprint", "url", "title",
                   "agency", "year", "template", "template_reason", "published", "source_format",
                   "source_url", "sha256", "page_sha256", "fetched_at", "last_seen_at", "status",
                   "message", "n_cells", "n_null", "n_failed_checks", "warnings", "text",
                   "province", "city", "county", "adcode", "level")
    cell_sql = {
        "applications": "insert into applications (report_id, category, applicant, value, unit, label, printed, was_blank, reason, src_table, src_row, src_col) values (?,?,?,?,?,?,?,?,?,?,?,?)",
        "active_disclosure": "insert into active_disclosure (report_id, item, metric, value, unit, label, printed, was_blank, reason, src_table, src_row, src_col) values (?,?,?,?,?,?,?,?,?,?,?,?)",
        "reviews_litigation": "insert into reviews_litigation (report_id, proceeding, result, value, unit, label, printed, was_blank, reason, src_table, src_row, src_col) values (?,?,?,?,?,?,?,?,?,?,?,?)",
    }

    def flush():
        conn.executemany(f"insert into reports ({', '.join(report_cols)}) values ({', '.join('?' * len(report_cols))})", reports)
        conn.executemany("insert or ignore into files (sha256, path, size, format, content_type, first_url, first_fetched_at) values (?,?,?,?,?,?,?)", files)
        conn.executemany(cell_sql["applications"], apps)
        conn.executemany(cell_sql["active_disclosure"], active)
        conn.executemany(cell_sql["reviews_litigation"], cases)
        conn.executemany("insert into checks (report_id, rule, subject, passed, expected, actual, detail, related_report_id) values (?,?,?,?,?,?,?,?)", checks)
        stats["reports"] += len(reports)
        stats["cells"] += len(apps) + len(active) + len(cases)
        stats["checks"] += len(checks)
        for lst in (reports, files, apps, active, cases, checks):
            lst.clear()
        conn.commit()

    last_report = {}
    for body, year in plans:
        report_id += 1
        rid = report_id
        site = site_rows[body["site_id"]]
        agency = body["agency"]
        region = regions.resolve_report(site, agency).as_dict()
        template = "pre2019" if year < 2019 else ("2019" if year < 2021 else "2021")
        median, sigma = VOLUME[body["level"]]
        received = int(rng.lognormvariate(math.log(median * YEAR_FACTOR[year]), sigma))
        key = (body["site_id"], agency)
        sha = hashlib.sha256(f"{seed}-{rid}".encode()).hexdigest()
        url = f"{site['column_url']}{year + 1}01/t{year + 1}0120_{rid}.html"
        title = f"{agency}{year}年政府信息公开工作年度报告"
        n_cells = n_null = n_failed = 0
        status = template if template == "pre2019" else "ok"
        numbers = {"received": received, "carried": 0, "processed": 0, "granted": 0, "partial": 0,
                   "denied": 0, "unavailable": 0, "reviews": 0, "lawsuits": 0}
        if template != "pre2019":
            rows = T.APPLICATION_ROWS_BY_TEMPLATE[template]
            new = split(rng, received, APPLICANT_SHARE)
            prev = carried.get(key) if last_report.get(key, (0, 0))[0] == year - 1 else None
            mismatch = prev is not None and rng.random() < 0.03
            grid: dict[str, dict[str, int | None]] = {r: {} for r in rows}
            for a in T.APPLICANT_KEYS[:-1]:
                over = prev[a] if prev is not None and not mismatch else binomial(rng, max(1, new[a] // 10), 0.3)
                if mismatch and a == "natural_person":
                    over = (prev[a] if prev else 0) + rng.randint(1, 3)
                forward = binomial(rng, new[a] + over, 0.04)
                done = new[a] + over - forward
                shares = dict(OUTCOME_SHARE)
                if template == "2019":
                    shares["other"] = shares.pop("other_no_correction") + shares.pop("other_unpaid_fee") + shares.pop("other_other")
                outcome = split(rng, done, shares)
                if template == "2021":
                    outcome["other"] = sum(outcome[k] for k in T.OTHER_SUBROWS)
                grid["new_received"][a], grid["carried_over"][a] = new[a], over
                grid["total_processed"][a], grid["carried_forward"][a] = done, forward
                for k, v in outcome.items():
                    grid[k][a] = v
            for r in rows:
                grid[r]["total"] = sum(grid[r][a] for a in T.APPLICANT_KEYS[:-1])
            carried[key] = {a: grid["carried_forward"][a] for a in T.APPLICANT_KEYS}
            broken = rng.random() < 0.03
            if broken:  # a typo in the printed total
                grid["total_processed"]["total"] += rng.choice((-2, -1, 1, 10))
            nulls = set()
            if rng.random() < 0.01:
                nulls = {(rng.choice(rows), rng.choice(T.APPLICANT_KEYS)) for _ in range(rng.randint(1, 3))}
            for i, r in enumerate(rows):
                for j, a in enumerate(T.APPLICANT_KEYS):
                    v = grid[r][a]
                    null = (r, a) in nulls
                    apps.append((rid, r, a, None if null else v, None, LABELS[r], str(v) if v else "",
                                 int(not v), "OCR confidence below 80" if null else None, 2, i + 3, j + 2))
            n_cells += len(rows) * len(T.APPLICANT_KEYS)
            n_null += len(nulls)
            # identities (as pipelines/tables/checks.py states them), one per column
            for a in T.APPLICANT_KEYS:
                col = {r: grid[r][a] for r in rows}
                if any((r, a) in nulls for r in rows):
                    checks.append((rid, "applications.balance", a, None, None, None, "null cell", None))
                    continue
                lhs, rhs = col["new_received"] + col["carried_over"], col["total_processed"] + col["carried_forward"]
                checks.append((rid, "applications.balance", a, int(lhs == rhs), rhs, lhs, f"{lhs} vs {rhs}", None))
                parts = sum(col[r] for r in T.RESULT_ROWS)
                checks.append((rid, "applications.results_sum", a, int(parts == col["total_processed"]),
                               parts, col["total_processed"], f"{col['total_processed']} vs {parts}", None))
            for r in rows:
                if any((r, a) in nulls for a in T.APPLICANT_KEYS):
                    continue
                parts = sum(grid[r][a] for a in T.APPLICANT_KEYS[:-1])
                checks.append((rid, "applications.row_total", r, int(parts == grid[r]["total"]), parts,
                               grid[r]["total"], f"{grid[r]['total']} vs {parts}", None))
            if prev is not None:
                for a in T.APPLICANT_KEYS:
                    ok = prev[a] == grid["carried_over"][a]
                    checks.append((rid, "applications.carry_over", a, int(ok), prev[a], grid["carried_over"][a],
                                   f"carried_over {grid['carried_over'][a]} vs the {year - 1} report's carried_forward {prev[a]}",
                                   last_report[key][1]))
            # section 四
            rev_total = binomial(rng, received, 0.02)
            lit_total = binomial(rng, received, 0.012)
            for p_i, (proc, total) in enumerate((("administrative_review", rev_total),
                                                 ("litigation_direct", lit_total),
                                                 ("litigation_after_review", binomial(rng, rev_total, 0.2)))):
                parts = split(rng, total, RESULT_SHARE)
                parts["total"] = total
                for r_i, res in enumerate(T.RESULT_KEYS):
                    cases.append((rid, proc, res, parts[res], None, proc, str(parts[res]), 0, None, 3, 3, p_i * 5 + r_i))
                checks.append((rid, "reviews_litigation.total", proc, 1, total, total, f"{total} vs {total}", None))
            n_cells += 15
            # section 二 (2021 layout; the 2019 one has more metrics, the size is alike)
            for i, (item, metric) in enumerate([
                    ("regulations", "issued_this_year"), ("regulations", "repealed_this_year"), ("regulations", "in_force"),
                    ("normative_documents", "issued_this_year"), ("normative_documents", "repealed_this_year"),
                    ("normative_documents", "in_force"), ("administrative_licensing", "decisions"),
                    ("administrative_penalty", "decisions"), ("administrative_coercion", "decisions"),
                    ("administrative_fees", "fees_amount")]):
                v = round(rng.lognormvariate(3, 1.5), 4) if metric == "fees_amount" else int(rng.lognormvariate(1.5, 1.5))
                active.append((rid, item, metric, v, "万元" if metric == "fees_amount" else None, item, str(v), 0, None, 0, i, 1))
            n_cells += 10
            n_failed = broken * 2 + mismatch * 2
            status = "needs_review" if n_failed or n_null else "ok"
            numbers.update(carried=grid["carried_over"]["total"], processed=grid["total_processed"]["total"],
                           granted=grid["granted"]["total"], partial=grid["partially_granted"]["total"],
                           denied=sum(grid[r]["total"] for r in rows if r.startswith("denied")),
                           unavailable=sum(grid[r]["total"] for r in rows if r.startswith("unavailable")),
                           reviews=rev_total, lawsuits=lit_total)
        last_report[key] = (year, rid)
        text = "\n".join(p.format(agency=agency, year=year, published=rng.randint(50, 5000),
                                  docs=rng.randint(0, 40), trainings=rng.randint(1, 12), **numbers)
                         for p in PARAGRAPHS if rng.random() < 0.9 or "{received}" in p)
        published = f"{year + 1}-01-{rng.randint(10, 31):02d}"
        reports.append((rid, body["site_id"], f"{rid}", 1, 1, "html:" + sha, url, title, agency, year, template,
                        "markers", published, "html", url, sha, sha, published + "T08:00:00+00:00",
                        published + "T08:00:00+00:00", status,
                        f"{n_null} null cells, {n_failed} failed checks" if status == "needs_review" else None,
                        n_cells, n_null, n_failed, "[]", text, region["province"], region["city"],
                        region["county"], region["adcode"], region["level"]))
        files.append((sha, f"files/{sha[:2]}/{sha}.html", len(text.encode()) * 3, "html", "text/html", url,
                      published + "T08:00:00+00:00"))
        if len(reports) >= 2000:
            flush()
            print(f"  {stats['reports'] + len(reports)} reports… {time.monotonic() - t0:.0f} s", file=sys.stderr)
    flush()
    print(f"rebuilding indexes and the full-text index… {time.monotonic() - t0:.0f} s", file=sys.stderr)
    for _name, sql in deferred:
        conn.execute(sql)
    conn.execute("insert into reports_fts(reports_fts) values ('rebuild')")
    fill_report_totals(db)
    conn.commit()
    conn.execute("ANALYZE")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.commit()
    stats["seconds"] = round(time.monotonic() - t0, 1)
    stats["bodies"] = len(body_list)
    stats["sites"] = len(sites)
    db.close()
    return stats


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("n", type=int, help="number of reports")
    ap.add_argument("--db", type=Path, required=True, help="database to (re)create")
    ap.add_argument("--seed", type=int, default=20240101)
    args = ap.parse_args()
    stats = generate(args.n, args.db, args.seed)
    print(json.dumps(stats, ensure_ascii=False))


if __name__ == "__main__":
    main()
