"""Money going back to the customer: the one way the app refunds (issue 11, reused by 13).

Every refund is a row of ours first (`backend.store.refunds`), then one `refundCreate` carrying
`@idempotent(key:)` derived from that row, with the exact input the row keeps. So a retry, a
concurrent request or the ambiguous failure (Shopify refunded, the answer was lost) sends the
same input under the same key, and Shopify answers with the refund it already made.
"""

from backend.refunds.gateway import OrderLine, OrderLines, RefundGateway, RefundMade
from backend.refunds.refunding import COMPLETE_REFUND, Busy, Refunded, RefundFailed, Refunds

__all__ = [
    "COMPLETE_REFUND",
    "Busy",
    "OrderLine",
    "OrderLines",
    "RefundFailed",
    "RefundGateway",
    "RefundMade",
    "Refunded",
    "Refunds",
]
