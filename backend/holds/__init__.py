"""Fulfilment holds (issue 12): the warehouse cannot outrun the cancel button.

With the merchant's rule on, every fulfilment order of a cancellable order is put on hold (our
`handle`, reason OTHER, no notification) until self-cancel closes, then released: exactly our
hold, never the merchant's or another app's. `FulfillmentHolds` holds the use case and its jobs.
"""

from backend.holds.holding import HOLD, RELEASE, FulfillmentHolds, ReleaseWhy

__all__ = ["HOLD", "RELEASE", "FulfillmentHolds", "ReleaseWhy"]
