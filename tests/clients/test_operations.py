"""schema/operations, the operations frontends and the generated clients use, against the
committed SDL with graphql-core: every file parses and validates (fragments may come from the
other files), and all of them together are one valid document, as the code generators read it."""

from pathlib import Path

import pytest
from graphql import (
    DocumentNode,
    FragmentDefinitionNode,
    GraphQLSchema,
    OperationDefinitionNode,
    build_schema,
    parse,
    specified_rules,
    validate,
)
from graphql.validation import NoUnusedFragmentsRule

from tests.clients.toolchains import OPERATIONS, SCHEMA

FILES = sorted(OPERATIONS.glob("*.graphql"))


@pytest.fixture(scope="module")
def schema() -> GraphQLSchema:
    return build_schema(SCHEMA.read_text())


def _fragments_elsewhere(path: Path) -> list[FragmentDefinitionNode]:
    return [
        definition
        for other in FILES
        if other != path
        for definition in parse(other.read_text()).definitions
        if isinstance(definition, FragmentDefinitionNode)
    ]


def test_there_are_operations() -> None:
    assert {path.stem for path in FILES} >= {"viewer", "organization", "project", "model", "hub"}


@pytest.mark.parametrize("path", FILES, ids=[path.name for path in FILES])
def test_each_file_validates_against_the_committed_sdl(path: Path, schema: GraphQLSchema) -> None:
    own = parse(path.read_text())
    document = DocumentNode(definitions=(*own.definitions, *_fragments_elsewhere(path)))
    rules = [rule for rule in specified_rules if rule is not NoUnusedFragmentsRule]
    errors = validate(schema, document, rules)
    assert [error.message for error in errors] == []


def test_all_files_together_are_one_valid_document(schema: GraphQLSchema) -> None:
    document = parse("\n".join(path.read_text() for path in FILES))
    assert [error.message for error in validate(schema, document)] == []
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    names = [operation.name.value if operation.name else None for operation in operations]
    assert None not in names, "every operation is named (the generated clients name methods so)"
    assert len(names) == len(set(names)), "operation names are unique"
