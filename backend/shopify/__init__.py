"""The Shopify Admin API gateway: documents, client, throttling, and the schema behind them."""

from __future__ import annotations

from pathlib import Path

API_VERSION = "2026-10"
# Shopify's own introspection result (from @shopify/dev-mcp), vendored: contract tests validate
# every document we send against it, and devshop executes on it.
ADMIN_SCHEMA_PATH = Path(__file__).with_name(f"admin_{API_VERSION}.json.gz")
DOCUMENTS_DIR = Path(__file__).with_name("documents")
