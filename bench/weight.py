"""Part 4: what the theme block and the UI extensions weigh on the storefront.

Bytes are the files as Shopify serves them (raw) and gzip-compressed at level 9 (about what a
CDN sends). Requests are counted in Debian's Chromium, driven by Playwright, on devshop's
storefront pages signed in as the demo customer: every request the page makes until the network
is idle, the block's calls to the app proxy among them, and the same page with the block
switched off by its app-data metafield (`{"enabled": false}`): it then renders nothing and asks
nothing, but its CSS and JS still load, as Shopify loads a block's schema assets wherever the
merchant placed the block.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

from playwright.sync_api import sync_playwright

from devshop.processes import ROOT, Server

BLOCK = ROOT / "extensions" / "cancel-button"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
PAGES = {
    "order, cancellable (5001)": "/account/orders/5001",
    "order, fulfilled (5002)": "/account/orders/5002",
    "order, cancelled (5006)": "/account/orders/5006",
    "account page": "/account",
}
BLOCK_OFF = "metafield.cancel_button.rules=" + quote(json.dumps({"enabled": False}))


def _size(path: Path) -> dict[str, Any]:
    data = path.read_bytes()
    return {
        "file": str(path.relative_to(ROOT)),
        "raw": len(data),
        "gzip": len(gzip.compress(data, 9)),
    }


def assets() -> list[dict[str, Any]]:
    files = sorted((BLOCK / "assets").iterdir())
    liquid = [
        *sorted((BLOCK / "blocks").glob("*.liquid")),
        *sorted((BLOCK / "snippets").glob("*.liquid")),
    ]
    bundles = sorted(ROOT.glob("extensions/*/dist/*.js"))
    rows = [_size(path) for path in [*files, *bundles]]
    rows.append(
        {
            "file": "Liquid (blocks + snippets)",
            "raw": sum(path.stat().st_size for path in liquid),
            "gzip": sum(len(gzip.compress(path.read_bytes(), 9)) for path in liquid),
        }
    )
    return rows


def page_loads(devshop: Server) -> list[dict[str, Any]]:
    rows = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(f"{devshop.url}/account/login?customer=1001")
            # Signing in lands on the account page, whose block asks the proxy: let that finish
            # before counting, or it is counted against the first page measured.
            page.wait_for_load_state("networkidle")
            for name, path in PAGES.items():
                with_block = _load(page, f"{devshop.url}{path}")
                without = _load(page, f"{devshop.url}{path}?{BLOCK_OFF}")
                rows.append(
                    {
                        "page": name,
                        "requests": with_block["requests"],
                        "proxy_requests": with_block["proxy"],
                        "requests_block_off": without["requests"],
                        "bytes": with_block["bytes"],
                        "bytes_block_off": without["bytes"],
                    }
                )
        finally:
            browser.close()
    return rows


def _load(page: Any, url: str) -> dict[str, int]:
    seen: list[Any] = []

    def finished(request: Any) -> None:
        seen.append(request)

    page.on("requestfinished", finished)
    try:
        page.goto(url)
        page.wait_for_load_state("networkidle")
    finally:
        page.remove_listener("requestfinished", finished)
    sizes = [request.sizes()["responseBodySize"] for request in seen]
    return {
        "requests": len(seen),
        "proxy": sum("/apps/cancel/" in request.url for request in seen),
        "bytes": sum(size for size in sizes if size > 0),
    }


HOW = (
    "Assets: file sizes raw and gzip -9. Page loads: Chromium (Playwright) on devshop's "
    "storefront signed in as Ada, requests that finished until network idle; proxy = calls to "
    "/apps/cancel/; 'block off' = the same page with the app-data metafield switching the "
    "block off (its assets still load); bytes = response bodies as received."
)


def run(devshop: Server) -> dict[str, Any]:
    return {"how": HOW, "assets": assets(), "pages": page_loads(devshop)}


def render(part: dict[str, Any]) -> str:
    lines = [f"{'asset':<58} {'raw B':>8} {'gzip B':>8}"]
    lines += [f"{row['file']:<58} {row['raw']:>8,} {row['gzip']:>8,}" for row in part["assets"]]
    lines += [
        "",
        f"{'page':<28} {'requests':>9} {'to proxy':>9} {'block off':>10} "
        f"{'bytes':>9} {'block off':>10}",
    ]
    lines += [
        f"{row['page']:<28} {row['requests']:>9} {row['proxy_requests']:>9} "
        f"{row['requests_block_off']:>10} {row['bytes']:>9,} {row['bytes_block_off']:>10,}"
        for row in part["pages"]
    ]
    return "\n".join(lines)
