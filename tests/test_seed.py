"""The demo seed builds a coherent world through the services, from the real hub specs."""

from sqlalchemy.ext.asyncio import AsyncEngine

from app.seed import seed
from app.settings import Settings
from tests.helpers import GraphQLClient


async def test_seed_builds_the_demo_world(
    engine: AsyncEngine, settings: Settings, gql: GraphQLClient
) -> None:
    seeded = await seed(engine, settings)
    assert seeded.components == 15
    assert seeded.versions == 60
    hub = await gql.data("{ hub { totalCount } }")
    assert hub["hub"]["totalCount"] == 57
    body = await gql(
        '{ organization(name: "acme") { models { edges { node { name'
        " latestModelVersion(stage: PRODUCTION) { name lineage { upstream { name } } } } } }"
        " activity { totalCount } } }",
        token=seeded.tokens["bob"],
    )
    organization = body["data"]["organization"]
    [model] = organization["models"]["edges"]
    assert model["node"]["name"] == "fraud-model"
    assert model["node"]["latestModelVersion"]["name"] == "v3"
    assert model["node"]["latestModelVersion"]["lineage"]["upstream"] == [{"name": "prepare-data"}]
    assert organization["activity"]["totalCount"] > 60
