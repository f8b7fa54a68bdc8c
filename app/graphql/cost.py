"""What an operation would cost, measured on the document before any SQL runs.

One walk gives three measures: depth (fields below the top), aliases, and GitHub's estimate of
the objects it could return (each connection multiplies what is below it by its page size, each
list of objects by how long it may be). Fragments are measured once each and their measures
reused at every spread: a document of 20 fragments each spread twice costs 20 fragment walks, not
2**20 (Strawberry's depth and alias limiters walk every spread again).
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import strawberry
from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLCompositeType,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    ValueNode,
    VariableNode,
    get_named_type,
    value_from_ast_untyped,
)
from strawberry.schema_directive import Location


@strawberry.schema_directive(
    locations=[Location.FIELD_DEFINITION],
    description=(
        "How long a list field is taken to be when an operation's cost is estimated (the IBM "
        "GraphQL cost specification's `@listSize`): the length or value of a slicing argument "
        "when one is given, else `assumedSize`."
    ),
)
class ListSize:
    assumed_size: int | None = strawberry.field(
        default=strawberry.UNSET,
        description="The length assumed when no slicing argument is given.",
    )
    slicing_arguments: list[str] | None = strawberry.field(
        default=strawberry.UNSET,
        description="Arguments whose length (a list) or value (an integer) sizes the list.",
    )


def declared_list_size(field: GraphQLField) -> ListSize | None:
    """The `@listSize` a field declares, read from the Strawberry field behind it."""
    strawberry_field = (field.extensions or {}).get("strawberry-definition")
    for directive in getattr(strawberry_field, "directives", None) or ():
        if isinstance(directive, ListSize):
            return directive
    return None


@dataclass(frozen=True, slots=True)
class Measure:
    nodes: int = 0
    depth: int = 0
    aliases: int = 0

    def __add__(self, other: "Measure") -> "Measure":
        return Measure(
            self.nodes + other.nodes, max(self.depth, other.depth), self.aliases + other.aliases
        )


NOTHING = Measure()


@dataclass(frozen=True, slots=True)
class Sizes:
    """How many items a page or a list holds when the document does not say."""

    default_page: int
    longest_list: int


def is_connection(named: GraphQLNamedType) -> bool:
    return isinstance(named, GraphQLObjectType) and {"edges", "pageInfo"} <= named.fields.keys()


class OperationCost:
    """Measures one operation of a document; fragments are memoised per operation because
    variable defaults (page sizes) belong to the operation."""

    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: Mapping[str, FragmentDefinitionNode],
        operation: OperationDefinitionNode,
        variables: Mapping[str, Any],
        sizes: Sizes,
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.operation = operation
        defaults = {
            definition.variable.name.value: value_from_ast_untyped(definition.default_value)
            for definition in operation.variable_definitions or ()
            if definition.default_value is not None
        }
        self.variables = {**defaults, **variables}
        self.sizes = sizes
        self._fragment_measures: dict[str, Measure] = {}

    def measure(self) -> Measure:
        root = self.schema.get_root_type(OperationType(self.operation.operation.value))
        if root is None:
            return NOTHING
        return self._selections(self.operation.selection_set, root)

    def _selections(
        self, selection_set: SelectionSetNode | None, parent: GraphQLCompositeType | None
    ) -> Measure:
        total = NOTHING
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode):
                total += self._field(selection, parent)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                inner = self._type(condition.name.value) if condition else parent
                total += self._selections(selection.selection_set, inner)
            elif isinstance(selection, FragmentSpreadNode):
                total += self._fragment(selection.name.value)
        return total

    def _fragment(self, name: str) -> Measure:
        known = self._fragment_measures.get(name)
        if known is not None:
            return known
        definition = self.fragments.get(name)
        # Claimed before the walk, so a cycle (which validation reports) ends here.
        self._fragment_measures[name] = NOTHING
        if definition is None:
            return NOTHING
        measured = self._selections(
            definition.selection_set, self._type(definition.type_condition.name.value)
        )
        self._fragment_measures[name] = measured
        return measured

    def _type(self, name: str) -> GraphQLCompositeType | None:
        found = self.schema.get_type(name)
        return found if isinstance(found, GraphQLObjectType | GraphQLInterfaceType) else None

    def _field(self, field: FieldNode, parent: GraphQLCompositeType | None) -> Measure:
        aliases = 1 if field.alias else 0
        name = field.name.value
        if name.startswith("__"):
            # Introspection is bounded by the schema, not by data: it costs nothing here.
            return Measure(aliases=aliases)
        definition = (
            parent.fields.get(name)
            if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType)
            else None
        )
        if definition is None or field.selection_set is None:
            return Measure(aliases=aliases)
        named = get_named_type(definition.type)
        inner = named if isinstance(named, GraphQLObjectType | GraphQLInterfaceType) else None
        below = self._selections(field.selection_set, inner)
        below = Measure(below.nodes, below.depth + 1, below.aliases + aliases)
        size = self._size(field, definition, named, parent)
        if size is None:
            return below
        return Measure(size * (1 + below.nodes), below.depth, below.aliases)

    def _size(
        self,
        field: FieldNode,
        definition: GraphQLField,
        named: GraphQLNamedType,
        parent: GraphQLCompositeType | None,
    ) -> int | None:
        """How many objects this field multiplies what is below it by; None: one, uncounted."""
        if is_connection(named):
            return max(self._argument_int(field, ("first", "last"), self.sizes.default_page), 1)
        if not _is_list(definition.type):
            return None
        if parent is not None and is_connection(parent):
            return None  # a connection's `edges`: its page size counted them already
        declared = declared_list_size(definition)
        slicing = declared.slicing_arguments if declared else None
        for name in slicing or ():
            sliced = self._argument_size(field, name)
            if sliced is not None:
                return max(sliced, 1)
        assumed = declared.assumed_size if declared else None
        return max(assumed or self.sizes.longest_list, 1)

    def _argument_int(self, field: FieldNode, names: tuple[str, ...], default: int) -> int:
        for argument in field.arguments or ():
            if argument.name.value in names:
                value = self._value(argument.value)
                return value if type(value) is int else default
        return default

    def _argument_size(self, field: FieldNode, name: str) -> int | None:
        for argument in field.arguments or ():
            if argument.name.value == name:
                if isinstance(argument.value, ListValueNode):
                    return len(argument.value.values)
                value = self._value(argument.value)
                if isinstance(value, list):
                    return len(value)
                return value if type(value) is int else None
        return None

    def _value(self, node: ValueNode) -> Any:
        if isinstance(node, VariableNode):
            return self.variables.get(node.name.value)
        if isinstance(node, IntValueNode):
            return int(node.value)
        return None


def _is_list(output: GraphQLOutputType) -> bool:
    unwrapped = output.of_type if isinstance(output, GraphQLNonNull) else output
    return isinstance(unwrapped, GraphQLList)
