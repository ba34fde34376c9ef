"""Authentication: each way Shopify reaches us, verified with Shopify's package, to a `Viewer`."""
