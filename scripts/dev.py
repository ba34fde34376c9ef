"""`make dev`: devshop and the backend side by side, with demo data, until Ctrl-C.

The backend runs in single-shop mode with devshop's demo token and sends its Admin API calls to
devshop; devshop's App Proxy signs storefront requests for the backend with the shared secret.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BACKEND_PORT = int(os.environ.get("PORT", "8000"))
DEVSHOP_PORT = int(os.environ.get("DEVSHOP_PORT", "8001"))
HOST = "127.0.0.1"
TRY_CANCEL = (
    'mutation { cancelOrder(input: {orderId: "5001", reason: "OTHER"}) { __typename '
    "... on CancelOrderSuccess { order { name status } } "
    "... on CancelOrderRefused { code message } } }"
)


def wait_healthy(url: str, process: subprocess.Popen[bytes], seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"{url} exited with {process.returncode} before it was ready")
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    sys.exit(f"{url} did not become healthy in {seconds:.0f} s")


def main() -> None:
    backend_url = f"http://{HOST}:{BACKEND_PORT}"
    devshop_url = f"http://{HOST}:{DEVSHOP_PORT}"
    env = {
        **os.environ,
        "APP_ENV": "development",
        "SHOPIFY_API_KEY": os.environ.get("SHOPIFY_API_KEY", "devshop-api-key"),
        "SHOPIFY_API_SECRET": os.environ.get("SHOPIFY_API_SECRET", "devshop-api-secret"),
        "SHOPIFY_SHOP": "demo-shop",
        "SHOPIFY_ACCESS_TOKEN": "shpat_devshop_demo_token",
        "SHOPIFY_ADMIN_BASE_URL": devshop_url,
        "SQLITE_PATH": os.environ.get("SQLITE_PATH", str(ROOT / "var" / "dev.sqlite3")),
        "HOST": HOST,
        "PORT": str(BACKEND_PORT),
        "DEVSHOP_HOST": HOST,
        "DEVSHOP_PORT": str(DEVSHOP_PORT),
        "DEVSHOP_BACKEND_URL": backend_url,
    }
    python = sys.executable
    processes = [
        subprocess.Popen([python, "-m", "devshop"], cwd=ROOT, env=env),
        subprocess.Popen([python, "-m", "backend"], cwd=ROOT, env=env),
    ]
    try:
        wait_healthy(f"{devshop_url}/healthz", processes[0])
        wait_healthy(f"{backend_url}/healthz", processes[1])
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
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        while all(process.poll() is None for process in processes):
            time.sleep(0.5)
        sys.exit("a server stopped; see its output above")
    except KeyboardInterrupt:
        pass
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=10)


if __name__ == "__main__":
    main()
