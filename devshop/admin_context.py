"""What one Admin API request executes with: the world, the shop the token belongs to, its log
record. Every lookup by GID goes through here, so another shop's records are never visible."""

from __future__ import annotations

from dataclasses import dataclass

from devshop.gids import numeric_id, parse_gid
from devshop.world import AdminCall, Customer, Job, Order, Product, Shop, World


@dataclass
class AdminContext:
    world: World
    shop: Shop
    call: AdminCall
    # The `@idempotent(key:)` of the mutation field being resolved, if the document gave one.
    idempotency_key: str | None = None

    def order(self, order_gid: str) -> Order | None:
        order_id = numeric_id(order_gid, "Order")
        order = self.world.orders.get(order_id) if order_id is not None else None
        return order if order is not None and order.shop == self.shop.domain else None

    def customer(self, customer_id: int | None) -> Customer | None:
        customer = self.world.customers.get(customer_id) if customer_id is not None else None
        return customer if customer is not None and customer.shop == self.shop.domain else None

    def product(self, product_gid: str) -> Product | None:
        product_id = numeric_id(product_gid, "Product")
        product = self.world.products.get(product_id) if product_id is not None else None
        return product if product is not None and product.shop == self.shop.domain else None

    def job(self, job_gid: str) -> Job | None:
        parsed = parse_gid(job_gid)
        job = self.world.jobs.get(parsed[1]) if parsed and parsed[0] == "Job" else None
        if job is None:
            return None
        order = self.world.orders.get(job.order_id)
        return job if order is not None and order.shop == self.shop.domain else None

    def node(self, node_gid: str) -> object | None:
        """Any record by GID, as `node`/`nodes` resolve it; None if absent or not this shop's."""
        parsed = parse_gid(node_gid)
        if parsed is None:
            return None
        type_name, _ = parsed
        if type_name == "Order":
            return self.order(node_gid)
        if type_name == "Customer":
            return self.customer(numeric_id(node_gid, "Customer"))
        if type_name == "Product":
            return self.product(node_gid)
        if type_name == "Shop":
            return self.shop if numeric_id(node_gid, "Shop") == self.shop.id else None
        if type_name in {"LineItem", "FulfillmentOrder"}:
            return self._order_part(type_name, numeric_id(node_gid, type_name))
        return None

    def _order_part(self, type_name: str, part_id: int | None) -> object | None:
        for order in self.world.orders.values():
            if order.shop != self.shop.domain:
                continue
            parts = order.line_items if type_name == "LineItem" else order.fulfillment_orders
            for part in parts:
                if part.id == part_id:
                    return part
        return None
