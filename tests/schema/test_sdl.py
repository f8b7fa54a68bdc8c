"""The committed SDL is what the code serves; `hubql export-schema` regenerates it."""

from pathlib import Path

from graphql import Node, Visitor, parse, print_ast, visit
from strawberry.printer import print_schema
from typer.testing import CliRunner

from app.cli import SCHEMA_PATH, app
from app.graphql.schema import build_schema
from app.settings import Settings


def test_committed_schema_is_current(settings: Settings) -> None:
    expected = print_schema(build_schema(settings)) + "\n"
    assert SCHEMA_PATH.read_text() == expected, "schema/schema.graphql is stale: run `make schema`"


def test_export_schema_writes_the_sdl(tmp_path: Path) -> None:
    output = tmp_path / "schema.graphql"
    result = CliRunner().invoke(app, ["export-schema", "--output", str(output)])
    assert result.exit_code == 0, result.output
    assert output.read_text() == SCHEMA_PATH.read_text()


class _LeaveOutDescriptions(Visitor):
    def leave(self, node: Node, *_: object) -> Node | None:
        if getattr(node, "description", None) is None:
            return None
        fields = {key: getattr(node, key) for key in node.keys}
        return node.__class__(**{**fields, "description": None})


def _without_descriptions(sdl: str) -> str:
    """The SDL's shape: described arguments print one a line, which the contract doesn't care
    about."""
    return print_ast(visit(parse(sdl, no_location=True), _LeaveOutDescriptions()))


def test_schema_follows_the_contract() -> None:
    sdl = _without_descriptions(SCHEMA_PATH.read_text())
    for expected in (
        "interface Node",
        "node(id: ID!): Node",
        "nodes(ids: [ID!]!): [Node]!",
        "viewer: User",
        "organization(name: String!): Organization",
        "type OrganizationConnection",
        "totalCount: Int!",
        "enum OrganizationRole",
        "viewerCan: OrganizationPermissions!",
        "type UserError",
    ):
        assert expected in sdl, expected
