"""The printed report: a run's `results.json` as tables, each saying how its figures were made."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from bench import events, weight


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    text = [[str(h) for h in headers]] + [[_cell(v) for v in row] for row in rows]
    widths = [max(len(row[i]) for row in text) for i in range(len(headers))]
    lines = []
    for index, row in enumerate(text):
        cells = [
            value.ljust(width) if column == 0 else value.rjust(width)
            for column, (value, width) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  " + "  ".join(cells).rstrip())
        if index == 0:
            lines.append("  " + "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.2f}" if abs(value) < 100 else f"{value:.0f}"
    return str(value)


def _ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 2) if a and b else None


def _wrap(text: str, indent: str = "  ") -> str:
    words, lines, line = text.split(), [], indent
    for word in words:
        if len(line) + len(word) + 1 > 98 and line.strip():
            lines.append(line.rstrip())
            line = indent
        line += word + " "
    lines.append(line.rstrip())
    return "\n".join(lines)


BUSY_PCT = 10.0


def busy_warning(cells: list[dict[str, Any]]) -> str | None:
    others = [cell["others_cpu_pct"] for cell in cells]
    mean = sum(others) / len(others) if others else 0.0
    if mean <= BUSY_PCT:
        return None
    return _wrap(
        f"WARNING: other processes used {mean:.0f}% of this machine's CPU on average during "
        "these cells (up to {:.0f}%). Latency and throughput figures are then not reproducible; "
        "CPU per request holds better. Run again on a quiet machine.".format(max(others))
    )


def throughput(part: dict[str, Any]) -> str:
    cells = part["cells"]
    pairs: dict[tuple[str, int], dict[str, dict[str, Any]]] = {}
    for cell in cells:
        pairs.setdefault((cell["operation"], cell["clients"]), {})[cell["side"]] = cell
    latency_rows, cpu_rows = [], []
    for (operation, clients), sides in pairs.items():
        ours, base = sides.get("ours", {}), sides.get("baseline", {})
        latency_rows.append(
            [
                operation,
                clients,
                ours.get("n"),
                ours.get("req_per_s"),
                ours.get("p50_ms"),
                ours.get("p99_ms"),
                base.get("n"),
                base.get("req_per_s"),
                base.get("p50_ms"),
                base.get("p99_ms"),
                _ratio(ours.get("p50_ms"), base.get("p50_ms")),
                _ratio(ours.get("p99_ms"), base.get("p99_ms")),
                _ratio(ours.get("req_per_s"), base.get("req_per_s")),
                (ours.get("errors") or 0) + (base.get("errors") or 0),
            ]
        )
        cpu_rows.append(
            [
                operation,
                clients,
                ours.get("server_cpu_ms_per_req"),
                base.get("server_cpu_ms_per_req"),
                _ratio(ours.get("server_cpu_ms_per_req"), base.get("server_cpu_ms_per_req")),
                ours.get("devshop_cpu_ms_per_req"),
                base.get("devshop_cpu_ms_per_req"),
                ours.get("client_cpu_ms_per_req"),
                ours.get("others_cpu_pct"),
                base.get("others_cpu_pct"),
            ]
        )
    return "\n\n".join(
        [
            table(
                [
                    "operation",
                    "clients",
                    "n",
                    "req/s",
                    "p50 ms",
                    "p99 ms",
                    "base n",
                    "base req/s",
                    "base p50",
                    "base p99",
                    "p50 x",
                    "p99 x",
                    "req/s x",
                    "errors",
                ],
                latency_rows,
            ),
            "  CPU per request (ms) in the same cells; 'others %' is the machine's CPU used by "
            "processes outside the bench:",
            table(
                [
                    "operation",
                    "clients",
                    "backend",
                    "baseline",
                    "x",
                    "devshop (ours)",
                    "devshop (base)",
                    "client",
                    "others % (ours)",
                    "others % (base)",
                ],
                cpu_rows,
            ),
            _wrap(part["how"]),
            *filter(None, [busy_warning(cells)]),
        ]
    )


def profile(part: dict[str, Any]) -> str:
    cases = part["cases"]
    names = list(cases)
    layers: list[str] = []
    for case in cases.values():
        for layer in case["cpu_ms_per_request_by_layer"]:
            if layer not in layers:
                layers.append(layer)
    rows: list[list[Any]] = []
    for layer in layers:
        row: list[Any] = [layer]
        for name in names:
            ms = cases[name]["cpu_ms_per_request_by_layer"].get(layer)
            share = cases[name]["share_by_layer"].get(layer)
            row.append(None if ms is None else f"{ms:.3f} ({share * 100:4.1f}%)")
        rows.append(row)

    def each(label: str, value: Any) -> list[Any]:
        return [label, *(value(cases[name]) for name in names)]

    rows += [
        each("total, in process", lambda c: f"{c['cpu_ms_per_request']:.3f}"),
        each(
            "uvicorn (derived; noise +-0.5)",
            lambda c: _cell(part.get("uvicorn_cpu_ms", {}).get(_name(cases, c))),
        ),
        each(
            "devshop process (not ours)", lambda c: f"{c['devshop_process_cpu_ms_per_request']:.3f}"
        ),
        each(
            "wall ms/request, devshop in",
            lambda c: f"{c['wall_ms_per_request_devshop_included']:.2f}",
        ),
        each("requests / samples", lambda c: f"{c['requests']} / {c['samples']}"),
        each(
            "Strawberry cache misses/request",
            lambda c: (
                ", ".join(
                    f"{k} {v:g}"
                    for k, v in c.get("strawberry_cache_misses_per_request", {}).items()
                )
                or "-"
            ),
        ),
    ]
    return "\n\n".join([table(["CPU ms per request (share)", *names], rows), _wrap(part["how"])])


def _name(cases: dict[str, Any], case: dict[str, Any]) -> str:
    return next(name for name, value in cases.items() if value is case)


def cost(part: dict[str, Any]) -> str:
    rows = [
        [
            a["action"],
            a["admin_requests"],
            " + ".join(a["operations"]),
            a["requested_points"],
            a["actual_points"],
            a["max_requested_single_query"],
            f"{a['admin_requests_background']} ({a['actual_points_background']} pts)",
            a["actions_per_s_at_standard_rate"],
            "ok" if a["answer_ok"] else "WRONG ANSWER",
        ]
        for a in part["actions"]
    ]
    return "\n\n".join(
        [
            table(
                [
                    "action",
                    "Admin requests",
                    "operations",
                    "requested pts",
                    "actual pts",
                    "largest query",
                    "background",
                    "per s at 100 pts/s",
                    "answer",
                ],
                rows,
            ),
            _wrap(part["how"]),
        ]
    )


def memory(part: dict[str, Any]) -> str:
    rows = [
        ["backend, idle (after /healthz, before any request)", part["backend_idle_rss_mib"]],
        *[[f"backend, after {n} requests", mib] for n, mib in part["checkpoints_mib"]],
        ["baseline, idle (for scale)", part["baseline_idle_rss_mib"]],
    ]
    return "\n\n".join([table(["process", "RSS MiB"], rows), _wrap(part["how"])])


def scale(part: dict[str, Any]) -> str:
    rows = []
    for c in part["cells"]:
        by_process = c["backend_cpu_ms_per_req_by_process"]
        rows.append(
            [
                c["setup"],
                c["clients"],
                c["n"],
                c["cancels_per_s"],
                c["p50_ms"],
                c["p99_ms"],
                c["backend_cpu_ms_per_req"],
                " + ".join(f"{v:.2f}" for v in by_process.values()) if len(by_process) > 1 else "",
                c["postgres_cpu_ms_per_req"],
                c["redis_cpu_ms_per_req"],
                c["devshop_cpu_ms_per_req"],
                c["client_cpu_ms_per_req"],
                c["others_cpu_pct"],
                c["errors"],
            ]
        )
    cost_rows = [
        [
            row["clients"],
            row["cancels_per_s_postgres_over_sqlite"],
            row["p50_postgres_over_sqlite"],
            row["p99_postgres_over_sqlite"],
            row["store_side_cpu_ms_per_req_sqlite"],
            row["backend_cpu_ms_per_req_postgres"],
            row["postgres_server_cpu_ms_per_req"],
            row["store_side_cpu_ms_per_req_postgres"],
            row["store_side_cpu_ms_per_req_postgres_2_processes"],
        ]
        for row in part["store_cost"]
    ]
    flight = part["single_flight"]
    answers = ", ".join(f"{name} {count}" for name, count in flight["answers"].items())
    records = part["cancellation_records"]
    return "\n\n".join(
        [
            table(
                [
                    "setup",
                    "clients",
                    "n",
                    "cancels/s",
                    "p50 ms",
                    "p99 ms",
                    "backend CPU ms/req",
                    "(per process)",
                    "postgres",
                    "redis",
                    "devshop",
                    "client",
                    "others %",
                    "errors",
                ],
                rows,
            ),
            "  The cost of PostgreSQL: CPU ms per cancel where the store differs (backend "
            "processes + database server), same load:",
            table(
                [
                    "clients",
                    "cancels/s x",
                    "p50 x",
                    "p99 x",
                    "SQLite: backend",
                    "PG 1: backend",
                    "+ postgres",
                    "= PG 1",
                    "PG 2: backends + postgres",
                ],
                cost_rows,
            ),
            _wrap(
                f"Single flight: {flight['requests']} identical concurrent cancels of order "
                f"{flight['order']} over 2 PostgreSQL backends -> "
                f"{flight['executed_order_cancels']} executed orderCancel in devshop; answers: "
                f"{answers}; errors {flight['errors']}; {flight['seconds']} s. Cancellation "
                f"records at the end: {records['sqlite']} in SQLite, {records['postgres']} in "
                f"PostgreSQL. Rate limits: {part['rate_limits']}; "
                f"{part['rate_limit_keys_in_redis']} rate-limit windows in Redis at the end."
            ),
            _wrap("NOTE: " + part["machine_note"]),
            _wrap(part["how"]),
            *filter(None, [busy_warning(part["cells"])]),
        ]
    )


def insights(part: dict[str, Any]) -> str:
    def answer(row: dict[str, Any]) -> str:
        found = row["answer"]
        if row["operation"] == "csv":
            return f"{found['rows']:,} rows, {found['bytes'] / 2**20:.2f} MiB"
        return (
            f"{found['cancellations']:,} cancelled, {found['refused']:,} refused, "
            f"{found['notes']} notes"
        )

    rows = [
        [
            {"insights": "App Home insights", "csv": "CSV export"}[row["operation"]],
            {"sqlite": "SQLite", "postgres": "PostgreSQL"}[row["store"]],
            f"{row['attempts']:,}",
            row["runs"],
            row["ms"],
            row["first_ms"],
            row["cpu_ms"],
            row["postgres_cpu_ms"],
            row["heap_peak_mib"],
            row["rss_peak_delta_mib"],
            answer(row),
        ]
        for row in sorted(part["rows"], key=lambda r: (r["operation"] != "insights", r["store"]))
    ]
    seeding = ", ".join(
        f"{store} {seconds:g} s" for store, seconds in part["seeding_seconds_not_counted"].items()
    )
    return "\n\n".join(
        [
            table(
                [
                    "operation",
                    "store",
                    "attempts",
                    "runs",
                    "ms",
                    "first ms",
                    "CPU ms",
                    "postgres CPU ms",
                    "heap peak MiB",
                    "RSS +MiB",
                    "result",
                ],
                rows,
            ),
            _wrap(
                f"Period: the last {part['period_days']} days, shop time zone "
                f"{part['shop_timezone']}; every attempt seeded falls in it. Seeding (not "
                f"counted): {seeding}."
            ),
            _wrap(part["how"]),
        ]
    )


def targets(judged: list[dict[str, Any]]) -> str:
    lines = []
    for target in judged:
        lines.append(f"  [{target['verdict'].upper()}] {target['target']}")
        for key, value in (target.get("measured") or {}).items():
            lines.append(f"      {key}: {value}")
        if target.get("how"):
            lines.append(_wrap(target["how"], indent="      "))
    return "\n".join(lines)


def holds_report(part: dict[str, Any]) -> str:
    from bench.holds import report

    return report(part) + "\n" + _wrap(part["how"])


def partial_report(part: dict[str, Any]) -> str:
    from bench.partial import report

    return report(part) + "\n" + _wrap(part["how"])


def edits_report(part: dict[str, Any]) -> str:
    from bench.edits import report

    return report(part) + "\n" + _wrap(part["how"])


def render(results: dict[str, Any]) -> str:
    meta = results["meta"]
    out = [
        "cancel-button benchmarks",
        _wrap(
            f"{meta['started']}, commit {meta['commit']}, {meta['cpus']} CPUs, Python "
            f"{meta['python']}, backend APP_ENV={meta['app_env']}, load client {meta['client']}, "
            f"load average at start {meta['loadavg_at_start']}, mode {meta['mode']}."
        ),
    ]
    sections = [
        (
            "1. Throughput and latency, App Proxy path, ours next to the baseline",
            "throughput",
            throughput,
        ),
        ("2. Where one request's time goes (in-process profile)", "profile", profile),
        ("3. Shopify cost per customer action (devshop's cost model)", "shopify_cost", cost),
        ("4. Storefront weight", "storefront_weight", weight.render),
        ("5. Scale: cancels on SQLite and PostgreSQL, one process and two", "scale", scale),
        ("6. Memory of one backend process", "memory", memory),
        ("7. Insights and CSV export for large shops, SQLite and PostgreSQL", "insights", insights),
        ("8. Order events: the mirror on Shopify's standard bucket", "order_events", events.render),
        ("9. Fulfilment holds: Admin cost and release delay", "holds", holds_report),
        (
            "10. Partial cancels and the fee: Admin cost next to a whole cancel",
            "partial_cancels",
            partial_report,
        ),
        ("11. Edits instead of cancels: Admin cost per edit", "edits", edits_report),
    ]
    for title, key, render_part in sections:
        if results.get(key):
            out += ["", title, "", render_part(results[key])]
    if results.get("targets"):
        out += ["", "Targets", "", targets(results["targets"])]
    return "\n".join(out)
