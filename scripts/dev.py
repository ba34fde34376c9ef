"""`make dev`: devshop and the backend side by side, with demo data, until Ctrl-C.

The backend runs in single-shop mode with devshop's demo token and sends its Admin API calls to
devshop; devshop's App Proxy signs storefront requests for the backend with the shared secret.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from pathlib import Path

from devshop.processes import HOST, ROOT, demo_env, running, spawn

BACKEND_PORT = int(os.environ.get("PORT", "8000"))
DEVSHOP_PORT = int(os.environ.get("DEVSHOP_PORT", "8001"))
TRY_CANCEL = (
    'mutation { cancelOrder(input: {orderId: "5001", reason: "OTHER"}) { __typename '
    "... on CancelOrderSuccess { order { name status } } "
    "... on CancelOrderRefused { code message } } }"
)


def main() -> None:
    backend_url = f"http://{HOST}:{BACKEND_PORT}"
    devshop_url = f"http://{HOST}:{DEVSHOP_PORT}"
    env = demo_env(
        backend_port=BACKEND_PORT,
        devshop_port=DEVSHOP_PORT,
        sqlite_path=Path(os.environ.get("SQLITE_PATH") or ROOT / "var" / "dev.sqlite3"),
    )
    servers = [
        spawn("devshop", "devshop", env, DEVSHOP_PORT),
        spawn("backend", "backend", env, BACKEND_PORT),
    ]
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        with running(servers):
            print(
                f"""
cancel-button is running.

  Storefront (demo customer Ada):  {devshop_url}/account/login
  An order you can cancel:         {devshop_url}/account/orders/5001
  Backend:                         {backend_url}/healthz
  devshop Admin API:               {devshop_url}/admin/api/2026-10/graphql.json
  Reset the demo data:             curl -X POST {devshop_url}/_devshop/reset

Try a cancel through Shopify's App Proxy, signed in as Ada:

  curl -s {devshop_url}/apps/cancel/graphql \\
    -H 'Content-Type: application/json' \\
    -b 'devshop_customer=demo-shop.myshopify.com:1001' \\
    -d '{json.dumps({"query": TRY_CANCEL})}'

Ctrl-C stops both.
""",
                flush=True,
            )
            while all(server.process.poll() is None for server in servers):
                time.sleep(0.5)
            sys.exit("a server stopped; see its output above")
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
