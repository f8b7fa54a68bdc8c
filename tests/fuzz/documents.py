"""Requests for the schema fuzz: hypothesis-graphql's operations, then reworked as clients write
them.

hypothesis-graphql generates a valid (or, in NEGATIVE mode, a one-violation) operation whose
scalars come from `tests.fuzz.values` (the seeded world's ids and names, and hostile values). The
rework, decided by Hypothesis draws so it shrinks like the rest:

- arguments by meaning: `after`/`before` strings get forged cursors, `query` the query language,
  `sort` sort strings, `reference` references, `spec` component specs, names the world's names;
- arguments lifted into variables (sometimes as the variable's default instead, sometimes with a
  value of the wrong shape, and JSON positions with keys no literal can spell);
- aliases, duplicated root fields (past the alias limit), named fragments, `__typename`,
  `@skip`/`@include`, an operation name;
- now and then a hostile document text (a lone surrogate in a comment, NUL, a BOM, two
  operations) or a GET request instead of a POST.
"""

import base64
import math
import re
from dataclasses import dataclass, field, replace
from typing import Any, Literal, cast

import graphql
from graphql import (
    ArgumentNode,
    BooleanValueNode,
    DirectiveNode,
    DocumentNode,
    EnumValueNode,
    FieldNode,
    FloatValueNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLInputType,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    NamedTypeNode,
    NameNode,
    NullValueNode,
    ObjectFieldNode,
    ObjectValueNode,
    OperationDefinitionNode,
    SelectionNode,
    SelectionSetNode,
    StringValueNode,
    ValueNode,
    VariableDefinitionNode,
    VariableNode,
)
from hypothesis import strategies as st
from hypothesis_graphql import Mode, mutations, queries

from tests.fuzz import values
from tests.fuzz.values import World, chance, dumps, expand

Kind = Literal["query", "mutation"]
NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]*")

# How often each rework applies, per place it could apply.
P_MEANINGFUL = 0.7
P_HOSTILE = 0.05
P_LONG_LIST = 0.03
P_VARIABLE = 0.3
P_DEFAULT = 0.15
P_WRONG_SHAPE = 0.05
P_ALIAS = 0.05
P_FRAGMENT = 0.1
P_TYPENAME = 0.05
P_DIRECTIVE = 0.03


@dataclass(frozen=True)
class Request:
    document: str
    variables: dict[str, Any] | None
    operation_name: str | None
    method: Literal["GET", "POST"]

    def describe(self) -> str:
        return (
            f"{self.method} document:\n{self.document}\n"
            f"variables: {dumps(self.variables, expanded=False)}\n"
            f"operationName: {self.operation_name!r}\n"
            "(a string \\u0000\\u0001hubql-fuzz-deep:N\\u0001\\u0000 is sent as N nested lists, "
            "one \\u0000\\u0001hubql-fuzz-bare:W\\u0001\\u0000 as the bare word W)"
        )


# ---- JSON out ---------------------------------------------------------------------------------

# ---- literals ---------------------------------------------------------------------------------


def literal(value: Any) -> ValueNode:
    """A GraphQL literal for a Python value (object keys that are no GraphQL name are renamed)."""
    if value is None:
        return NullValueNode()
    if isinstance(value, bool):
        return BooleanValueNode(value=value)
    if isinstance(value, int):
        return IntValueNode(value=str(value))
    if isinstance(value, float):
        text = repr(value)
        return FloatValueNode(value=text if ("." in text or "e" in text) else text + ".0")
    if isinstance(value, str):
        return StringValueNode(value=value)
    if isinstance(value, list):
        return ListValueNode(values=tuple(literal(item) for item in value))
    if isinstance(value, dict):
        return ObjectValueNode(
            fields=tuple(
                ObjectFieldNode(
                    name=NameNode(value=key if NAME.fullmatch(key) else f"k{index}"),
                    value=literal(item),
                )
                for index, (key, item) in enumerate(value.items())
            )
        )
    raise TypeError(f"no literal for {value!r}")


def custom_scalars(world: World) -> dict[str, st.SearchStrategy[ValueNode]]:
    """Literal strategies for hubql's scalars, and for the built-in ones whose values matter
    (ids, text, page sizes): realistic values, hostile ones now and then."""
    return {
        "DateTime": values.instants().map(literal),
        "JSON": values.json_values(world).map(literal),
        "ID": values.ids(world).map(literal),
        "String": values.texts(world).map(literal),
        "Int": values.mostly(INTS, HOSTILE_INTS, unusual_share=0.05).map(literal),
    }


INTS = st.integers(min_value=0, max_value=120)
HOSTILE_INTS = st.one_of(
    st.integers(min_value=-(2**31), max_value=2**31 - 1),
    st.sampled_from([-1, 2**31 - 1, -(2**31), 2**31, 2**63, 10**400]),
)


def hostile_scalars(world: World) -> dict[str, st.SearchStrategy[Any]]:
    """Hostile values by scalar, for one argument at a time: the rest of the operation stays
    realistic, so the hostile value reaches as far into the server as it can."""
    return {
        "DateTime": values.hostile_instants(),
        "JSON": values.hostile_json(world),
        "ID": values.hostile_ids(world),
        "String": values.hostile_texts(world),
        "Int": st.one_of(HOSTILE_INTS, st.sampled_from(values.BARE_WORDS)),
    }


SPECS = (
    "kind: component\nrun: {kind: job}\n",
    '{"kind": "component", "run": {"kind": "job"}}',
    "kind: component\nname: x\ninputs:\n- {name: a, type: flaot}\nrun: {kind: job}\n",
    "kind: component\ninputs: [{name: a, type: int, value: 1e400}]\nrun: {kind: job}\n",
    "kind: component\ninputs: [{name: a, type: float, value: .nan}]\nrun: {kind: job}\n",
    "kind: component\ninputs: [{name: a, type: int, value: 0x10}]\nrun: {kind: job}\n",
    "kind: component\ndescription: !!binary aGVsbG8=\nrun: {kind: job}\n",
    "kind: component\n2026-01-01: x\nrun: {kind: job}\n",
    "kind: component\n? [a, b]\n: c\nrun: {kind: job}\n",
    "kind: component\ntags: [&a a, *a]\nrun: {kind: job}\n",
    "!!python/object/apply:os.system ['true']\n",
    # A billion laughs.
    "a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
    "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
    "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n",
    "[" * 1000 + "]" * 1000,
    "{a: " * 500 + "1" + "}" * 500,
    "---\n---\n",
    "kind: component\nrun: {kind: job}\n---\nkind: component\n",
    "kind: component\nrun: {kind: job, container: {image: 1, command: [1, 2]}}\n",
    "kind: component\nrun: {kind: job}\nname: \ud800\n",
    "kind: component\nrun: {kind: job}\nname: \x00\n",
    "kind: operation\n",
    "kind: component\nrun: {kind: dag, operations: [{hubRef: x}]}\n",
    "\t",
    "",
    "null",
    "1e400",
)


# String (and ID) arguments and input fields whose values mean something, by name.
def meaningful_strings(world: World) -> dict[str, st.SearchStrategy[str]]:
    organizations = st.sampled_from(world.organizations)
    names = st.sampled_from(
        (*world.organizations, *world.teams, *world.projects, *world.versions, *world.usernames)
    )
    usernames = st.sampled_from(world.usernames)
    return {
        "after": values.cursors(),
        "before": values.cursors(),
        "query": values.pql(),
        "sort": values.sorts(),
        "reference": values.references(world),
        "spec": st.sampled_from(SPECS),
        "owner": organizations,
        "confirmName": organizations,
        "name": names,
        "nameContains": st.sampled_from(["a", "%", "_", "\\", "%%", "\x00"]),
        "username": usernames,
        "actor": usernames,
        "kind": st.sampled_from(["job", "service", "dag", "JOB", ""]),
        "uuid": st.sampled_from(world.run_uuids),  # `project.run(uuid:)`
    }


# Which type of object an ID argument or input field names: by its name, or for `id` by the input
# type it is in (`UpdateRunInput.id` is a run's).
ID_TYPES = ("ComponentVersion", "ModelVersion", "AccessToken", "Organization", "Project", "Team")
ID_NAMES = {
    "organizationId": "Organization",
    "projectId": "Project",
    "sourceIds": "Project",
    "teamId": "Team",
    "runId": "Run",
    "run": "Run",
    "upstream": "Run",
}


def id_type(name: str, owner: str) -> str | None:
    if name in ID_NAMES:
        return ID_NAMES[name]
    if name == "id":
        return next((kind for kind in (*ID_TYPES, "Run") if kind in owner), None)
    return None


def ids_by_type(world: World) -> dict[str, st.SearchStrategy[str]]:
    typed: dict[str, list[str]] = {}
    for global_id in world.ids:
        type_name = base64.b64decode(global_id).decode().partition(":")[0]
        typed.setdefault(type_name, []).append(global_id)
    return {type_name: st.sampled_from(ids) for type_name, ids in typed.items()}


# ---- the rework -------------------------------------------------------------------------------


DOCUMENT_TEXTS = (
    "{document}",
    "# \ud800\n{document}",
    "\ufeff{document}",
    "{document}\x00",
    "{document}\n{document}",
    '{document}\nquery {{ __typename, a: __typename(x: "\\ud800") }}',
)


# Strategies are built once: building one per draw costs more than the request.
_DIRECTIVES = st.sampled_from(["skip", "include"])
_BOOLEANS = st.booleans()
_COPIES = st.sampled_from([2, 10, 31, 60])
_LONG = st.sampled_from([101, 1000, 33_000, 70_000])
_DOCUMENT_TEXTS = st.sampled_from(DOCUMENT_TEXTS)


@dataclass
class Rework:
    schema: GraphQLSchema
    world: World
    draw: st.DrawFn
    meaningful: dict[str, st.SearchStrategy[str]]
    hostile: dict[str, st.SearchStrategy[Any]]
    typed_ids: dict[str, st.SearchStrategy[str]]
    json_values: st.SearchStrategy[Any]
    definitions: list[VariableDefinitionNode] = field(default_factory=list)
    variables: dict[str, Any] = field(default_factory=dict)
    fragments: list[FragmentDefinitionNode] = field(default_factory=list)
    aliases: int = 0

    def operation(self, operation: OperationDefinitionNode) -> OperationDefinitionNode:
        root = (
            self.schema.mutation_type
            if operation.operation == graphql.OperationType.MUTATION
            else self.schema.query_type
        )
        selection_set = self.selection_set(operation.selection_set, root)
        if chance(self.draw, 0.05):
            selection_set = self.duplicate_roots(selection_set)
        return replace(
            operation,
            selection_set=selection_set,
            variable_definitions=(*(operation.variable_definitions or ()), *self.definitions),
        )

    def duplicate_roots(self, selection_set: SelectionSetNode) -> SelectionSetNode:
        """Every root field again under many aliases: the alias and node limits' business."""
        copies = self.draw(_COPIES)
        fields = [s for s in selection_set.selections if isinstance(s, FieldNode)]
        extra = [
            replace(node, alias=NameNode(value=f"copy{index}_{number}"))
            for number in range(copies)
            for index, node in enumerate(fields)
        ]
        return replace(selection_set, selections=(*selection_set.selections, *extra))

    def selection_set(
        self, selection_set: SelectionSetNode, parent: GraphQLNamedType | None
    ) -> SelectionSetNode:
        selections: list[SelectionNode] = []
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                selections.append(self.field(selection, parent))
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                on = self.schema.get_type(condition.name.value) if condition else parent
                selections.append(
                    replace(
                        selection, selection_set=self.selection_set(selection.selection_set, on)
                    )
                )
            else:
                selections.append(selection)
        if chance(self.draw, P_TYPENAME):
            selections.append(FieldNode(name=NameNode(value="__typename")))
        return replace(selection_set, selections=tuple(selections))

    def field(self, node: FieldNode, parent: GraphQLNamedType | None) -> FieldNode:
        definition = (
            parent.fields.get(node.name.value)
            if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType)
            else None
        )
        arguments: list[ArgumentNode] = []
        for argument in node.arguments or ():
            declared = definition.args.get(argument.name.value) if definition else None
            if declared is None:
                arguments.append(argument)
                continue
            value = self.value(argument.value, declared.type, argument.name.value, "")
            if chance(self.draw, P_VARIABLE):
                value = self.lift(value, declared.type)
            arguments.append(replace(argument, value=value))
        selection_set = node.selection_set
        if selection_set is not None and definition is not None:
            child = graphql.get_named_type(definition.type)
            selection_set = self.selection_set(selection_set, child)
            if chance(self.draw, P_FRAGMENT):
                selection_set = self.fragment(selection_set, child)
        alias = node.alias
        if alias is None and chance(self.draw, P_ALIAS):
            self.aliases += 1
            alias = NameNode(value=f"alias{self.aliases}")
        directives = node.directives or ()
        if chance(self.draw, P_DIRECTIVE):
            name = self.draw(_DIRECTIVES)
            condition = self.draw(_BOOLEANS)
            directives = (
                *directives,
                DirectiveNode(
                    name=NameNode(value=name),
                    arguments=(
                        ArgumentNode(
                            name=NameNode(value="if"), value=BooleanValueNode(value=condition)
                        ),
                    ),
                ),
            )
        return replace(
            node,
            alias=alias,
            arguments=tuple(arguments),
            selection_set=selection_set,
            directives=directives,
        )

    def fragment(self, selection_set: SelectionSetNode, on: GraphQLNamedType) -> SelectionSetNode:
        name = f"F{len(self.fragments)}"
        self.fragments.append(
            FragmentDefinitionNode(
                name=NameNode(value=name),
                type_condition=NamedTypeNode(name=NameNode(value=on.name)),
                selection_set=selection_set,
            )
        )
        return SelectionSetNode(selections=(FragmentSpreadNode(name=NameNode(value=name)),))

    def value(self, node: ValueNode, type_: GraphQLInputType, name: str, owner: str) -> ValueNode:
        """The generated literal, with meaningful values swapped in by argument or input field
        `name` (in input type `owner`), and now and then one hostile value."""
        unwrapped = graphql.get_nullable_type(type_)
        if isinstance(node, ListValueNode) and graphql.is_list_type(unwrapped):
            item_type = cast("graphql.GraphQLList[GraphQLInputType]", unwrapped).of_type
            return replace(
                node,
                values=tuple(self.value(item, item_type, name, owner) for item in node.values),
            )
        if isinstance(node, ObjectValueNode) and isinstance(
            unwrapped, graphql.GraphQLInputObjectType
        ):
            fields = unwrapped.fields
            return replace(
                node,
                fields=tuple(
                    replace(
                        item,
                        value=self.value(
                            item.value,
                            fields[item.name.value].type,
                            item.name.value,
                            unwrapped.name,
                        ),
                    )
                    if item.name.value in fields
                    else item
                    for item in node.fields
                ),
            )
        wanted = id_type(name, owner)
        if (
            isinstance(node, StringValueNode | IntValueNode)
            and isinstance(unwrapped, GraphQLScalarType)
            and unwrapped.name == "ID"
            and wanted in self.typed_ids
            and chance(self.draw, P_MEANINGFUL)
        ):
            return StringValueNode(value=self.draw(self.typed_ids[wanted]))
        if (
            isinstance(node, StringValueNode | IntValueNode)
            and isinstance(unwrapped, GraphQLScalarType)
            and unwrapped.name in {"String", "ID"}
            and name in self.meaningful
            and chance(self.draw, P_MEANINGFUL)
        ):
            return StringValueNode(value=self.draw(self.meaningful[name]))
        if (
            not isinstance(node, VariableNode)
            and isinstance(unwrapped, GraphQLScalarType)
            and unwrapped.name in self.hostile
            and chance(self.draw, P_HOSTILE)
        ):
            return literal(self.draw(self.hostile[unwrapped.name]))
        return node

    def lift(self, node: ValueNode, type_: GraphQLInputType) -> ValueNode:
        """The literal as a variable: sent in `variables`, or as the variable's default."""
        name = f"v{len(self.definitions)}"
        variable = VariableNode(name=NameNode(value=name))
        default = None
        if chance(self.draw, P_DEFAULT):
            # A literal without variables in it, so a constant one (mypy cannot know that).
            default = cast("graphql.ConstValueNode", node)
        elif chance(self.draw, P_WRONG_SHAPE):
            self.variables[name] = self.draw(self.json_values)
        elif graphql.is_list_type(graphql.get_nullable_type(type_)) and chance(
            self.draw, P_LONG_LIST
        ):
            # Longer than a database driver takes parameters in one statement (and than any
            # document may spell under the token limit): variables only.
            items = self.python(node, type_)
            first = items[:1] if isinstance(items, list) else []
            self.variables[name] = (first or [self.draw(self.json_values)]) * self.draw(_LONG)
        else:
            self.variables[name] = self.python(node, type_)
        self.definitions.append(
            VariableDefinitionNode(
                variable=variable, type=graphql.parse_type(str(type_)), default_value=default
            )
        )
        return variable

    def python(self, node: ValueNode, type_: GraphQLInputType) -> Any:
        """A literal's variable value; JSON positions sometimes get values no literal spells."""
        unwrapped = graphql.get_nullable_type(type_)
        if isinstance(node, NullValueNode):
            return None
        if isinstance(node, ListValueNode) and graphql.is_list_type(unwrapped):
            item_type = cast("graphql.GraphQLList[GraphQLInputType]", unwrapped).of_type
            return [self.python(item, item_type) for item in node.values]
        if isinstance(node, ObjectValueNode) and isinstance(
            unwrapped, graphql.GraphQLInputObjectType
        ):
            fields = unwrapped.fields
            return {
                item.name.value: (
                    self.python(item.value, fields[item.name.value].type)
                    if item.name.value in fields
                    else graphql.value_from_ast_untyped(item.value)
                )
                for item in node.fields
            }
        if (
            isinstance(unwrapped, GraphQLScalarType)
            and unwrapped.name == "JSON"
            and chance(self.draw, 0.5)
        ):
            return self.draw(self.json_values)
        if isinstance(node, EnumValueNode):
            return node.value
        if isinstance(node, FloatValueNode):
            number = float(node.value)
            return number if math.isfinite(number) else values.BARE_MARKER.format(node.value)
        return graphql.value_from_ast_untyped(node)


def requests(schema: GraphQLSchema, world: World, kind: Kind) -> st.SearchStrategy[Request]:
    generate = queries if kind == "query" else mutations
    scalars = custom_scalars(world)

    def build(mode: Mode) -> st.SearchStrategy[DocumentNode]:
        return generate(
            schema, custom_scalars=scalars, print_ast=lambda document: document, mode=mode
        )

    # NEGATIVE: one schema violation each (a wrong type, a missing argument, a bad enum value).
    documents = values.mostly(build(Mode.POSITIVE), build(Mode.NEGATIVE), unusual_share=0.15)
    meaningful = meaningful_strings(world)
    hostile = hostile_scalars(world)
    typed_ids = ids_by_type(world)
    json_values = values.json_values(world)

    @st.composite
    def reworked(draw: st.DrawFn) -> Request:
        generated = draw(documents)
        operation = generated.definitions[0]
        assert isinstance(operation, OperationDefinitionNode)
        rework = Rework(schema, world, draw, meaningful, hostile, typed_ids, json_values)
        operation = rework.operation(operation)
        operation_name = None
        if chance(draw, 0.1):
            operation_name = "Fuzz"
            operation = replace(operation, name=NameNode(value=operation_name))
        document = graphql.print_ast(DocumentNode(definitions=(operation, *rework.fragments)))
        if chance(draw, 0.05):
            document = draw(_DOCUMENT_TEXTS).format(document=document)
        method: Literal["GET", "POST"] = "POST"
        variables = rework.variables or None
        # GET (queries only) while the URL stays short enough for a client to send it at all.
        short = len(expand(document)) + len(dumps(variables)) < 6000
        if kind == "query" and short and chance(draw, 0.1):
            method = "GET"
        return Request(
            document=document,
            variables=variables,
            operation_name=operation_name,
            method=method,
        )

    return reworked()
