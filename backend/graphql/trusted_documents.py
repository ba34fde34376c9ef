"""Trusted documents: in production, optionally, run only what our own front ends send.

With `TRUSTED_DOCUMENTS=on` the endpoint refuses any document whose SHA-256 is not in the
registry below, before rate limits or Strawberry see it: a scripted client can then send only
the exact requests our theme block sends, with its own variables.

The registry holds the documents verbatim, as the theme block's scripts
(`extensions/cancel-button/assets/order-cancel*.js`) and the UI extensions' shared module
(`extensions/shared/cancel-core.js`) send them; a test reads them out of both and fails when
they differ, so a change to one without the other cannot ship. Hashes
rather than texts are compared, so the registry could also be fed by a build step that emits
hashes, as Apollo's and Relay's persisted queries do.
"""

from __future__ import annotations

import hashlib

# The theme block's scripts (tests/extensions/block_scripts.py), file by file in the order the
# page runs them, each in the order it holds them.
THEME_BLOCK_DOCUMENTS: tuple[str, ...] = (
    # order-cancel.js: the orders' state, the cancel, and taking back a request (issue 14).
    "query($ids:[ID!]!,$locale:String){orders(ids:$ids){id cancellable blockedBy deadline status"
    " request{state requestedAt message} reasons(locale:$locale){code label}"
    " editOptions{types blockedBy countryChange}}}",
    "mutation($input:CancelOrderInput!){cancelOrder(input:$input){"
    "...on CancelOrderSuccess{order{status}refunded{amount currencyCode}}"
    "...on CancelOrderRequested{requestedAt}"
    "...on CancelOrderRefused{code}}}",
    "mutation($input:WithdrawCancelRequestInput!){withdrawCancelRequest(input:$input){"
    "...on CancelOrderRefused{code}}}",
    # order-cancel-items.js: the dialog's items and refund preview (issue 11).
    "query($id:ID!,$lines:[LineItemQuantityInput!]!){order(id:$id){partialCancel "
    "lineItems{id title quantity cancellableQuantity}"
    "refund{refund{amount currencyCode}total{amount}fee{amount}}"
    "preview(lineItems:$lines){refund{amount currencyCode}total{amount}fee{amount}}}}",
    # order-cancel-edit.js: edits (issue 13), the sizes in stock and the change.
    "query($id:ID!){order(id:$id){editOptions{items{id title variantTitle currencyCode"
    " variants{id title price inStock}}}}}",
    "mutation($input:EditOrderInput!){editOrder(input:$input){__typename "
    "...on EditOrderRefused{code fieldErrors{field problem}}}}",
    # order-cancel-quantity.js: the quantity change (issue 13), its items and the change.
    "query($id:ID!){order(id:$id){editOptions{items{id title variantTitle quantity unitPrice"
    " currencyCode maxQuantity}}}}",
    "mutation($input:EditOrderInput!){editOrder(input:$input){__typename "
    "...on EditOrderSuccess{difference{amount currencyCode paymentUrl}}"
    "...on EditOrderRefused{code}}}",
    # order-cancel-buy-again.js: "Buy again" (issue 11).
    "query($id:ID!){order(id:$id){buyAgainUrl buyAgainUnavailable}}",
)


def document_hash(document: str) -> str:
    return hashlib.sha256(document.encode("utf-8")).hexdigest()


# extensions/shared/cancel-core.js: ORDER_QUERY and CANCEL_MUTATION, then ITEMS_QUERY,
# BUY_AGAIN_QUERY, EDIT_MUTATION and SIZES_QUERY (the same texts as the theme block's), then
# WITHDRAW_MUTATION (issue 14; with `__typename` and the decline's words, unlike the block's),
# QUANTITY_QUERY and QUANTITY_MUTATION (the block's texts again).
UI_EXTENSION_DOCUMENTS: tuple[str, ...] = (
    "query($id:ID!,$locale:String){order(id:$id){id name cancellable blockedBy deadline status"
    " request{state requestedAt message} reasons(locale:$locale){code label}"
    " editOptions{types blockedBy countryChange}}}",
    "mutation($input:CancelOrderInput!){cancelOrder(input:$input){__typename"
    " ...on CancelOrderSuccess{order{id name cancellable blockedBy deadline status}"
    "refunded{amount currencyCode}}"
    " ...on CancelOrderRequested{requestedAt}"
    " ...on CancelOrderRefused{code message}}}",
    THEME_BLOCK_DOCUMENTS[3],
    THEME_BLOCK_DOCUMENTS[8],
    THEME_BLOCK_DOCUMENTS[5],
    THEME_BLOCK_DOCUMENTS[4],
    "mutation($input:WithdrawCancelRequestInput!){withdrawCancelRequest(input:$input){__typename"
    " ...on CancelOrderRefused{code message}}}",
    THEME_BLOCK_DOCUMENTS[6],
    THEME_BLOCK_DOCUMENTS[7],
)

# extensions/cancel-button/assets/order-withdraw.js: OFFERED and WITHDRAW (issue 15).
WITHDRAW_BLOCK_DOCUMENTS: tuple[str, ...] = (
    "query($ids:[ID!]!){orders(ids:$ids){id withdrawal{available until}}}",
    "mutation($input:WithdrawInput!){withdrawFromContract(input:$input){"
    "__typename ...on WithdrawalReview{confirmation}"
    " ...on WithdrawalReceived{acknowledgement} ...on WithdrawRefused{code}}}",
)

# extensions/shared/withdraw-core.js: WITHDRAWAL_QUERY and WITHDRAW_MUTATION (the block's own).
UI_WITHDRAW_DOCUMENTS: tuple[str, ...] = (
    "query($id:ID!){order(id:$id){id name withdrawal{available until}}}",
    WITHDRAW_BLOCK_DOCUMENTS[1],
)

TRUSTED_HASHES: frozenset[str] = frozenset(
    map(
        document_hash,
        THEME_BLOCK_DOCUMENTS
        + UI_EXTENSION_DOCUMENTS
        + WITHDRAW_BLOCK_DOCUMENTS
        + UI_WITHDRAW_DOCUMENTS,
    )
)


def is_trusted(document: str) -> bool:
    return document_hash(document) in TRUSTED_HASHES
