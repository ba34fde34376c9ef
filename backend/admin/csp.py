"""App Home's Content Security Policy.

Shopify requires `frame-ancestors` with the shop's admin domain and `https://admin.shopify.com`
on every HTML response of an embedded app (`shopifyapp` writes it; devshop's local origin joins
it in development). We add what the page may load: App Bridge and Polaris from Shopify's CDN
(the two script URLs Shopify documents, named exactly, as Shopify's own `shopify_app` gem
allows App Bridge) and our own assets. No inline script runs at all: the page's script is
`/admin/assets/admin.js`, its settings travel in `data-` attributes, and the templates hold no
`on…=` handler. Styles come from our stylesheet and the CDN; the markup has no `style`
attribute or `<style>` element (the charts are styled by class).
"""

from __future__ import annotations

APP_BRIDGE = "https://cdn.shopify.com/shopifycloud/app-bridge.js"
POLARIS = "https://cdn.shopify.com/shopifycloud/polaris.js"
SHOPIFY_CDN = "https://cdn.shopify.com"

# Scripts and styles only, plus the classic hardening: what else App Bridge talks to (it talks
# to the admin by postMessage) is Shopify's to change, and a `default-src` here would break the
# admin the day it does.
DIRECTIVES: dict[str, tuple[str, ...]] = {
    "script-src": ("'self'", APP_BRIDGE, POLARIS),
    "style-src": ("'self'", SHOPIFY_CDN),
    "object-src": ("'none'",),
    "base-uri": ("'self'",),
    "form-action": ("'self'",),
}


def content_security_policy(shopify_policy: str | None) -> str:
    """Our directives followed by Shopify's (its `frame-ancestors`), as one header value."""
    ours = "; ".join(f"{name} {' '.join(sources)}" for name, sources in DIRECTIVES.items())
    theirs = (shopify_policy or "frame-ancestors 'none'").strip().rstrip(";")
    return f"{ours}; {theirs};"
