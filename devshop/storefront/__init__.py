"""devshop's storefront: the classic customer account pages rendering our theme app block.

`storefront_routes(world, settings)` gives the routes to mount; see `routes` for what they serve.
"""

from devshop.storefront.routes import StorefrontConfig, storefront_routes

__all__ = ["StorefrontConfig", "storefront_routes"]
