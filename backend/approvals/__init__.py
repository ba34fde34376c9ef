"""Approvals (issue 14): the shop approves cancellations first, and Shopify Flow hears of each.

`approving.py` holds the request's use case (open, approve, decline, withdraw, the timer and the
fulfilment rule); `flow.py` the Flow triggers. Import from those modules: this package's
`__init__` imports nothing, so the cancel's use case may use `flow` without a cycle.
"""
