"""The benchmark harness runs end to end on a few requests. Timings are never asserted."""

from __future__ import annotations

import json
from pathlib import Path

from bench import events, report, run

SMOKE = run.Plan(
    mode="smoke",
    clients=(2,),
    requests=4,
    warmup=1,
    rounds=2,
    time_cap=10.0,
    memory_target=0,
    profile_requests=5,
    profile_warmup=1,
    settle=0.3,
    scale_clients=(2,),
    scale_flight=10,
    insights_sizes=(1_000,),
    insights_repeats=(("insights", 1), ("csv", 1)),
    events=events.EventsPlan(
        settle=0.3,
        sale_seconds=4.0,
        sale_orders=8,
        sale_views_per_s=3.0,
        sale_cancels_per_s=1.0,
        intake_clients=(2,),
        intake_requests=20,
        intake_time_cap=5.0,
    ),
    holds_orders=5,
    edits_per_kind=2,
)


def test_bench_measures_every_part_and_writes_results(tmp_path: Path) -> None:
    results = run.run(SMOKE, app_env="production", client="raw", say=lambda message: None)
    run.write(results, tmp_path / "results.json")

    written = json.loads((tmp_path / "results.json").read_text())
    cells = written["throughput"]["cells"]
    assert {(c["operation"], c["side"]) for c in cells} == {
        ("order", "ours"),
        ("order", "baseline"),
        ("cancelOrder", "ours"),
        ("cancelOrder", "baseline"),
    }
    assert all(c["n"] == 4 and c["errors"] == 0 for c in cells), cells
    actions = written["shopify_cost"]["actions"]
    assert all(a["answer_ok"] for a in actions), actions
    assert set(written["profile"]["cases"]) == {
        "order (eligibility check)",
        "cancelOrder",
        "baseline order",
        "baseline cancel",
    }
    assert written["memory"]["backend_idle_rss_mib"] > 0
    weight = written["storefront_weight"]
    assert {row["page"]: row["proxy_requests"] for row in weight["pages"]} == {
        "order, cancellable (5001)": 1,
        "order, fulfilled (5002)": 0,
        "order, cancelled (5006)": 0,
        "account page": 1,
    }
    assert any(row["file"].endswith("order-cancel.js") for row in weight["assets"])
    scale = written["scale"]
    assert {(c["store"], c["processes"]) for c in scale["cells"]} == {
        ("sqlite", 1),
        ("postgres", 1),
        ("postgres", 2),
    }
    assert all(c["n"] == 4 and c["errors"] == 0 for c in scale["cells"]), scale["cells"]
    assert scale["single_flight"]["executed_order_cancels"] == 1, scale["single_flight"]
    assert scale["rate_limit_keys_in_redis"] > 0
    # Each setup's cancels landed in its own database: SQLite's 1 + 4 per cell (warm-up and
    # counted), PostgreSQL's two cells' and the single flight's order.
    assert scale["cancellation_records"] == {"sqlite": 5, "postgres": 11}
    insights = written["insights"]
    assert {(r["store"], r["attempts"], r["operation"]) for r in insights["rows"]} == {
        (store, 1_000, operation)
        for store in ("sqlite", "postgres")
        for operation in ("insights", "csv")
    }
    answers = {(r["store"], r["operation"]): r["answer"] for r in insights["rows"]}
    # Both databases count the same seeded attempts alike, and the CSV has every one of them.
    assert answers["sqlite", "insights"] == answers["postgres", "insights"]
    assert answers["sqlite", "csv"] == answers["postgres", "csv"]
    assert answers["sqlite", "csv"]["rows"] == 1_000
    order_events = written["order_events"]
    rows = order_events["costs"]["rows"]
    assert [r["action"] for r in rows] == [
        "order view",
        "account page, 10 orders",
        "account page, 50 orders",
        "thank-you view",
        "cancel",
    ]
    assert all(r["today"]["answer_ok"] and r["mirror"]["answer_ok"] for r in rows), rows
    # Once mirrored, views make no Admin request; today's design asks Shopify for each.
    views = [r for r in rows if r["action"] != "cancel"]
    assert all(r["mirror"]["admin_requests"] == 0 for r in views), views
    assert all(r["today"]["admin_requests"] == 1 for r in views), views
    sales = order_events["flash_sale"]["runs"]
    assert [s["stack"] for s in sales] == ["today", "mirror"]
    for sale in sales:
        assert 0 < sale["orders_created"] <= 8, sale
        assert sum(sale["cancels"]["outcomes"].values()) == sale["cancels"]["n"], sale
        assert sale["lag"]["deliveries"] > 0 and sale["lag"]["unhandled"] == 0, sale["lag"]
        assert sale["bucket"]["maximum"] == 2000 and sale["bucket"]["lowest"] is not None
    (cell,) = order_events["intake"]["cells"]
    assert cell["n"] == 20 and cell["errors"] == 0 and cell["handled"] == 20, cell
    assert "8a. Admin requests" in report.render(written)
    holds = written["holds"]
    # Every order held and released once: one fulfillmentOrderReleaseHold each, timed.
    assert (holds["orders"], holds["held"], holds["released"]) == (5, 5, 5)
    assert holds["release_delay_s"]["p50"] is not None and holds["hold"]["points_per_order"] > 0
    assert "9. Fulfilment holds" in report.render(written)
    kinds = written["edits"]["kinds"]
    assert set(kinds) == {"address", "quantity_down", "quantity_up", "variant"}
    assert all(k["succeeded"] == 2 and k["points_per_edit"] > 0 for k in kinds.values())
    assert "11. Edits instead of cancels" in report.render(written)
    assert {t["verdict"] for t in written["targets"]} <= {"met", "missed", "not measured"}
    assert any(t["target"].startswith("store time per request") for t in written["targets"])
    assert "Targets" in report.render(written)
