"""Edit instead of cancel (issue 13): the customer fixes the order rather than losing it.

`rules` (the merchant's switches), `policy` (the pure decision), `address` and `zones` (what a
new shipping address must be), `editing` (the use case), `graphql` (the storefront's types).
"""
