"""Alembic at head is exactly the models' schema, on whichever database the suite runs."""

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from app.models import Base
from app.settings import PROJECT_ROOT
from tests.helpers import Factory, GraphQLClient


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


async def test_migrations_at_head_match_the_models(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        differences = await connection.run_sync(_differences)
    assert differences == []


def test_each_revision_has_a_downgrade() -> None:
    for path in sorted((PROJECT_ROOT / "migrations" / "versions").glob("*.py")):
        source = path.read_text()
        assert "def downgrade() -> None:" in source, path.name
        assert "\n    pass\n" not in source.split("def downgrade")[1], (
            f"{path.name} cannot be undone"
        )


async def test_ids_are_never_reused(gql: GraphQLClient, factory: Factory) -> None:
    """A deleted object's global id must never name a new object (SQLite needs AUTOINCREMENT)."""
    ada = await factory.user("ada")
    create = 'mutation { createOrganization(input: {name: "acme"}) { organization { id } } }'
    first = (await gql.data(create, as_=ada))["createOrganization"]["organization"]["id"]
    await gql.data(
        'mutation($id: ID!) { deleteOrganization(input: {id: $id, confirmName: "acme"})'
        " { deletedId } }",
        {"id": first},
        as_=ada,
    )
    second = (await gql.data(create, as_=ada))["createOrganization"]["organization"]["id"]
    assert second != first
