"""Partial cancellation (issue 11): the customer cancels some items, the rest ships.

`lines` holds the per-item rules (pure); `cancelling` the use case, which refunds through
`backend.refunds`.
"""

from backend.partial.cancelling import ItemsCancelled, PartialCancellations
from backend.partial.lines import LineChoice, choices, refuse_request

__all__ = ["ItemsCancelled", "LineChoice", "PartialCancellations", "choices", "refuse_request"]
