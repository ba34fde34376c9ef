"""What a query costs, after Shopify's published rules for the Admin API.

Each field costs, per object it returns:

- scalar or enum: 0; `__typename` and introspection: 0;
- a root field of a mutation: 10 (its payload's fields are then added as usual);
- a connection (`...Connection`): 2; its `edges` and `pageInfo` cost nothing themselves;
- any other object, interface or union: 1.

Then the requested cost, computed before execution, multiplies what a field's objects select by
how many it may return: `first` or `last` for a connection's `nodes` and `edges` (missing: 0),
the number of `ids` for `nodes(ids:)`, 1 for other lists. An interface or union costs the most
expensive of its possible types. So `order { customer { id } lineItems(first: 5) { nodes { id }
} }` requests 1 + 1 + (2 + 5 x 1) = 9, and `orderCancel { job { id } userErrors { field } }`
requests 10 + 1 + 1 = 12. The actual cost applies the same units to what execution returned:
null objects cost nothing and a connection costs the nodes it really held.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLCompositeType,
    GraphQLIncludeDirective,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    GraphQLSchema,
    GraphQLSkipDirective,
    InlineFragmentNode,
    NamedTypeNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    get_named_type,
    get_nullable_type,
    is_abstract_type,
    is_leaf_type,
    is_list_type,
)
from graphql.execution.values import VariableValues, get_argument_values, get_directive_values

MAX_QUERY_COST = 1000
MUTATION_COST = 10
CONNECTION_COST = 2


def field_unit_cost(
    schema: GraphQLSchema, parent_type: GraphQLObjectType, field_type: GraphQLOutputType
) -> int:
    named = get_named_type(field_type)
    if is_leaf_type(named):
        return 0
    if parent_type is schema.mutation_type:
        return MUTATION_COST
    if named.name.endswith("Connection"):
        return CONNECTION_COST
    if named.name.endswith("Edge") or named.name == "PageInfo":
        return 0
    return 1


def requested_cost(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    variables: VariableValues,
) -> int:
    mutation = operation.operation == OperationType.MUTATION
    root = schema.mutation_type if mutation else schema.query_type
    assert root is not None  # validation has refused operations the schema does not have
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    return _Estimate(schema, fragments, variables).cost(root, [operation.selection_set], page=1)


class _Estimate:
    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: dict[str, FragmentDefinitionNode],
        variables: VariableValues,
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables

    def cost(self, type_: GraphQLCompositeType, sets: list[SelectionSetNode], page: int) -> int:
        if is_abstract_type(type_):
            possible = self.schema.get_possible_types(type_)
            return max((self.object_cost(t, sets, page) for t in possible), default=0)
        assert isinstance(type_, GraphQLObjectType)
        return self.object_cost(type_, sets, page)

    def object_cost(self, type_: GraphQLObjectType, sets: list[SelectionSetNode], page: int) -> int:
        fields: dict[str, list[FieldNode]] = {}
        for selection_set in sets:
            self._collect(type_, selection_set, fields)
        total = 0
        for nodes in fields.values():
            name = nodes[0].name.value
            field = type_.fields.get(name)
            if field is None or is_leaf_type(get_named_type(field.type)):
                continue  # scalars, enums and __typename are free
            named: Any = get_named_type(field.type)
            args = get_argument_values(field, nodes[0], self.variables)
            connection = named.name.endswith("Connection")
            inner_page = (args.get("first") or args.get("last") or 0) if connection else 1
            children = [n.selection_set for n in nodes if n.selection_set]
            per_object = field_unit_cost(self.schema, type_, field.type) + self.cost(
                named, children, inner_page
            )
            total += self._objects(type_, name, field.type, args, page) * per_object
        return total

    @staticmethod
    def _objects(
        parent: GraphQLObjectType,
        name: str,
        field_type: GraphQLOutputType,
        args: dict[str, Any],
        page: int,
    ) -> int:
        if not is_list_type(get_nullable_type(field_type)):
            return 1
        if parent.name.endswith("Connection") and name in {"edges", "nodes"}:
            return page
        ids = args.get("ids")
        return len(ids) if isinstance(ids, list) else 1

    def _collect(
        self,
        type_: GraphQLObjectType,
        selection_set: SelectionSetNode,
        fields: dict[str, list[FieldNode]],
    ) -> None:
        for selection in selection_set.selections:
            if not self._included(selection):
                continue
            if isinstance(selection, FieldNode):
                key = selection.alias.value if selection.alias else selection.name.value
                fields.setdefault(key, []).append(selection)
            elif isinstance(selection, InlineFragmentNode):
                if self._applies(selection.type_condition, type_):
                    self._collect(type_, selection.selection_set, fields)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments[selection.name.value]
                if self._applies(fragment.type_condition, type_):
                    self._collect(type_, fragment.selection_set, fields)

    def _included(self, node: FieldNode | InlineFragmentNode | FragmentSpreadNode | Any) -> bool:
        skip = get_directive_values(GraphQLSkipDirective, node, self.variables)
        include = get_directive_values(GraphQLIncludeDirective, node, self.variables)
        return not (skip and skip["if"]) and not (include and not include["if"])

    def _applies(self, condition: NamedTypeNode | None, type_: GraphQLObjectType) -> bool:
        if condition is None:
            return True
        conditional = self.schema.get_type(condition.name.value)
        if conditional is type_:
            return True
        return is_abstract_type(conditional) and self.schema.is_sub_type(
            conditional,
            type_,
        )


class ActualCostMeter:
    """graphql-core middleware adding up, field by field, what execution really returned."""

    def __init__(self) -> None:
        self.total = 0

    def resolve(
        self, next_: Callable[..., Any], root: Any, info: GraphQLResolveInfo[Any], **args: Any
    ) -> Any:
        result = next_(root, info, **args)
        if result is not None and not is_leaf_type(get_named_type(info.return_type)):
            unit = field_unit_cost(info.schema, info.parent_type, info.return_type)
            objects: Iterable[Any] = result if isinstance(result, list) else [result]
            self.total += unit * sum(1 for item in objects if item is not None)
        return result
