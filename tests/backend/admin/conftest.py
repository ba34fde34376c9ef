"""App Home from the merchant's side: ID tokens as Shopify signs them, a client that sends them."""

from __future__ import annotations

from typing import Any

import httpx

from devshop.id_tokens import app_home_token
from devshop.settings import DEMO_API_KEY, DEMO_API_SECRET, DEMO_SHOP
from tests.conftest import Stack

RULES_QUERY = """
query {
  rules {
    enabled windowMinutes cutoff excludedProductTags excludedOrderTags
    allowedFinancialStatuses refundMethod restock notifyCustomer holdRiskyOrders
    reasons { code label translations { locale label } }
    staffNoteFormat
  }
}
"""

SAVE_RULES = """
mutation Save($input: RulesInput!) {
  saveRules(input: $input) {
    __typename
    ... on RulesSaved {
      themeUpdated
      rules { enabled windowMinutes cutoff reasons { code label translations { locale label } } }
    }
    ... on RulesInvalid { errors { field message } }
  }
}
"""


def id_token(shop: str = DEMO_SHOP, **overrides: Any) -> str:
    values: dict[str, Any] = {"api_key": DEMO_API_KEY, "secret": DEMO_API_SECRET}
    values.update(overrides)
    return app_home_token(shop, **values)


def rules_input(**changes: Any) -> dict[str, Any]:
    """A valid rule set, as the admin form sends it, with `changes`."""
    values: dict[str, Any] = {
        "enabled": True,
        "windowMinutes": 60,
        "cutoff": None,
        "excludedProductTags": ["non-cancellable"],
        "excludedOrderTags": ["non-cancellable"],
        "allowedFinancialStatuses": ["AUTHORIZED", "PAID", "PARTIALLY_PAID", "PENDING"],
        "refundMethod": "ORIGINAL_PAYMENT_METHODS",
        "restock": True,
        "notifyCustomer": True,
        "holdRiskyOrders": True,
        "reasons": [
            {"code": "ORDERED_BY_MISTAKE", "label": "I ordered by mistake", "translations": []},
            {"code": "OTHER", "label": "Other reason", "translations": []},
        ],
        "staffNoteFormat": "Cancelled by the customer: {reason}. {note}",
    }
    values.update(changes)
    return values


async def admin_graphql(
    stack: Stack, query: str, variables: dict[str, Any] | None = None, *, token: str | None = None
) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token if token is not None else id_token()}"}
    async with stack.direct() as client:
        return await client.post(
            "/admin/graphql",
            json={"query": query, "variables": variables or {}},
            headers=headers,
        )


async def save_rules(stack: Stack, **changes: Any) -> dict[str, Any]:
    response = await admin_graphql(stack, SAVE_RULES, {"input": rules_input(**changes)})
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"]["saveRules"]
    return result
