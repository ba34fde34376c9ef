"""`make dev`: devshop and the backend side by side, with demo data, until Ctrl-C.

The backend runs in single-shop mode with devshop's demo token and sends its Admin API calls to
devshop; devshop's App Proxy signs storefront requests for the backend with the shared secret.
The UI extensions are built first and rebuilt while it runs (esbuild's watch mode), so devshop's
extension pages serve current bundles. `pages()` is every URL it prints; a test opens each one.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from devshop.processes import HOST, ROOT, Server, demo_env, running, spawn

BACKEND_PORT = int(os.environ.get("PORT", "8000"))
DEVSHOP_PORT = int(os.environ.get("DEVSHOP_PORT", "8001"))
SMTP_PORT = int(os.environ.get("DEVSHOP_SMTP_PORT", "8025"))
TRY_CANCEL = (
    'mutation { cancelOrder(input: {orderId: "5001", reason: "OTHER"}) { __typename '
    "... on CancelOrderSuccess { order { name status } } "
    "... on CancelOrderRefused { code message } } }"
)


def pages(devshop_url: str, backend_url: str) -> list[tuple[str, str]]:
    """Every page a newcomer opens, in the order they need it. Each cancellable order once."""
    return [
        ("Storefront sign-in (demo customer Ada)", f"{devshop_url}/account/login"),
        ("An order to cancel (after signing in)", f"{devshop_url}/account/orders/5001"),
        (
            "The same with the withdrawal block",
            f"{devshop_url}/account/orders/5001?apps=order-cancel,order-withdraw",
        ),
        ("App Home in devshop's admin", f"{devshop_url}/admin"),
        (
            "Thank-you page (UI extension)",
            f"{devshop_url}/extensions/thank-you?order=5011&customer=1001",
        ),
        (
            "Order action menu (UI extension)",
            f"{devshop_url}/extensions/order-action?order=5013&customer=1001",
        ),
        (
            "Withdrawal order action (UI extension)",
            f"{devshop_url}/extensions/order-action?order=5002&customer=1001&action=withdraw",
        ),
        ("Guest withdrawal page (App Proxy)", f"{devshop_url}/apps/cancel/withdraw"),
        ("Webhooks devshop sent", f"{devshop_url}/_devshop/webhooks"),
        ("Mail devshop's SMTP server received", f"{devshop_url}/_devshop/mail"),
        ("Backend health", f"{backend_url}/healthz"),
    ]


def build_extensions(*, watch: bool) -> subprocess.Popen[bytes] | None:
    """Build the UI extensions now, failing loudly; with `watch`, keep rebuilding on changes."""
    node = shutil.which("node")
    if node is None:
        sys.exit("node is needed to build the UI extensions (make setup installs it)")
    command = [node, "scripts/build-extensions.mjs"]
    subprocess.run(command, cwd=ROOT, check=True)
    if not watch:
        return None
    return subprocess.Popen([*command, "--watch"], cwd=ROOT, stdout=subprocess.DEVNULL)


def banner(devshop_url: str, backend_url: str) -> str:
    table = "\n".join(f"  {label + ':':40} {url}" for label, url in pages(devshop_url, backend_url))
    return f"""
cancel-button is running.

{table}

devshop's Admin API is {devshop_url}/admin/api/2026-10/graphql.json; reset the demo data with
`curl -X POST {devshop_url}/_devshop/reset`. UI extension sources are rebuilt on every change.

Try a cancel through Shopify's App Proxy, signed in as Ada:

  curl -s {devshop_url}/apps/cancel/graphql \\
    -H 'Content-Type: application/json' \\
    -b 'devshop_customer=demo-shop.myshopify.com:1001' \\
    -d '{json.dumps({"query": TRY_CANCEL})}'

Ctrl-C stops everything.
"""


def main() -> None:
    backend_url = f"http://{HOST}:{BACKEND_PORT}"
    devshop_url = f"http://{HOST}:{DEVSHOP_PORT}"
    env = demo_env(
        backend_port=BACKEND_PORT,
        devshop_port=DEVSHOP_PORT,
        sqlite_path=Path(os.environ.get("SQLITE_PATH") or ROOT / "var" / "dev.sqlite3"),
        # devshop's SMTP server stands in for the merchant's (withdrawal acknowledgements).
        DEVSHOP_SMTP_PORT=str(SMTP_PORT),
        SMTP_URL=f"smtp://{HOST}:{SMTP_PORT}",
        MAIL_FROM="Demo Shop <shop@demo-shop.example>",
    )
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    watcher = build_extensions(watch=True)
    servers = [
        spawn("devshop", "devshop", env, DEVSHOP_PORT),
        spawn("backend", "backend", env, BACKEND_PORT),
    ]
    try:
        with running(servers):
            print(banner(devshop_url, backend_url), flush=True)
            while all(server.process.poll() is None for server in servers):
                time.sleep(0.5)
            sys.exit("a server stopped; see its output above")
    except KeyboardInterrupt:
        pass
    finally:
        if watcher is not None:
            Server("extensions", watcher, "", None).stop()


if __name__ == "__main__":
    main()
