"""The schema's limits hold: too many aliases are refused before anything runs."""

from __future__ import annotations

from tests.conftest import Stack, graphql


async def test_too_many_aliases_are_refused(stack: Stack) -> None:
    aliases = " ".join(f"a{i}: order(id: 5001) {{ name }}" for i in range(11))
    async with stack.shopper() as ada:
        response = await graphql(ada, f"{{ {aliases} }}")
    assert "aliases" in response.json()["errors"][0]["message"]
    assert stack.world.calls == []


async def test_ten_aliases_are_still_allowed(stack: Stack) -> None:
    aliases = " ".join(f"a{i}: order(id: 5001) {{ name }}" for i in range(10))
    async with stack.shopper() as ada:
        response = await graphql(ada, f"{{ {aliases} }}")
    assert "errors" not in response.json()
