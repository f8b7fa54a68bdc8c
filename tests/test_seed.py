"""`hubql seed` at each scale: a coherent world (checked through the API, as a client reads it),
drawn from the seed alone, and written only into an empty database."""

import hashlib
import json
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.db import create_engine
from app.models import Base, Organization, OrganizationMember, User
from app.organizations.models import OrganizationRole
from app.seed import Scale, large
from app.seed.people import Shape
from app.seed.world import NotEmpty, seed
from app.settings import Settings
from app.users import service as users
from tests import databases
from tests.helpers import Factory, GraphQLClient

# Columns that differ between two identical seeds by design: tokens are secrets, never drawn
# from the seed; PostgreSQL's transaction ids count every transaction the server has run.
NOT_DRAWN = {("access_tokens", "token_hash"), ("access_tokens", "prefix"), ("activities", "txid")}

TINY = Shape(
    organizations=2, users=20, members=(5, 10), teams=(1, 2), training_projects=(1, 2),
    registries=(1, 2), acme_members=3, runs=150, versions=40,
)  # fmt: skip


async def fingerprint(engine: AsyncEngine) -> str:
    """sha256 of every row of every table, in key order."""
    digest = hashlib.sha256()
    async with engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            columns = [c for c in table.columns if (table.name, c.name) not in NOT_DRAWN]
            rows = await connection.execute(select(*columns).order_by(*table.primary_key))
            for row in rows:
                digest.update(json.dumps([table.name, *row], sort_keys=True, default=str).encode())
    return digest.hexdigest()


async def token_for(sessions: async_sessionmaker[AsyncSession], user_id: int) -> str:
    async with sessions() as session, session.begin():
        user = await session.get(User, user_id)
        assert user is not None
        _, secret = await users.issue_token(session, user, name="test", expires_at=None)
        return secret


class TestSmall:
    async def test_builds_the_demo_world(
        self, engine: AsyncEngine, settings: Settings, gql: GraphQLClient
    ) -> None:
        seeded = await seed(engine, settings)
        assert set(seeded.tokens) == {"ada", "bob"}
        assert seeded.rows["organizations"] == 1
        assert seeded.rows["projects"] == 17
        assert seeded.rows["model_versions"] == 3
        assert seeded.rows["component_versions"] == 57
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
        assert model["node"]["latestModelVersion"]["lineage"]["upstream"] == [
            {"name": "prepare-data"}
        ]
        assert organization["activity"]["totalCount"] > 60

    async def test_its_clock_is_the_seeds_not_the_wall_clocks(
        self, engine: AsyncEngine, settings: Settings, gql: GraphQLClient
    ) -> None:
        seeded = await seed(engine, settings)
        data = await gql.data(
            '{ project(owner: "acme", name: "training") { createdAt runs { edges { node {'
            " createdAt } } } } }",
            token=seeded.tokens["ada"],
        )
        project = data["project"]
        assert project["createdAt"] == "2026-01-05T09:30:00+00:00"
        created = sorted(edge["node"]["createdAt"] for edge in project["runs"]["edges"])
        assert created[0] == "2026-01-05T11:30:00+00:00"


REGISTRY = """query($owner: String!, $name: String!) { project(owner: $owner, name: $name) {
  promotionSources { name }
  modelVersions(first: 100) { totalCount edges { node { name stage
    stageConditions { stage reason at }
    run { status finishedAt project { name } } } } } } }"""

RUNS = """query($owner: String!, $name: String!) { project(owner: $owner, name: $name) {
  runs(first: 100, sort: "created_at") { totalCount edges { node { name status createdAt
    startedAt finishedAt upstream { name status finishedAt } } } } } }"""

PLACES = """query($name: String!) { organization(name: $name) {
  members { totalCount } teams { totalCount }
  projects(first: 20) { edges { node { name features } } } } }"""


class TestMedium:
    async def test_fills_ten_organizations_with_work_the_api_finds_coherent(
        self,
        engine: AsyncEngine,
        settings: Settings,
        sessions: async_sessionmaker[AsyncSession],
        gql: GraphQLClient,
    ) -> None:
        seeded = await seed(engine, settings, Scale.MEDIUM, random_seed=1)
        rows = seeded.rows
        assert (rows["organizations"], rows["users"]) == (10, 200)
        assert rows["runs"] == 4_000 + 4  # the demo's four besides
        assert rows["model_versions"] == 2_000 + 3
        assert rows["component_versions"] == 57
        assert rows["stage_conditions"] > rows["model_versions"]
        assert (await gql.data("{ viewer { username } }", token=seeded.tokens["bob"])) == {
            "viewer": {"username": "bob"}
        }

        async with sessions() as session:
            owners = (
                await session.execute(
                    select(Organization.name, OrganizationMember.user_id)
                    .join(OrganizationMember)
                    .where(
                        OrganizationMember.role == OrganizationRole.OWNER,
                        Organization.name != "acme",
                    )
                    .order_by(Organization.name)
                )
            ).all()
        assert len(owners) == 9
        versions = 0
        for organization, owner_id in owners:
            token = await token_for(sessions, owner_id)
            place = (await gql.data(PLACES, {"name": organization}, token=token))["organization"]
            assert place["members"]["totalCount"] >= 16
            assert place["teams"]["totalCount"] >= 2
            projects = [edge["node"] for edge in place["projects"]["edges"]]
            for project in projects:
                variables = {"owner": organization, "name": project["name"]}
                if "RUNTIME" in project["features"]:
                    self.check_runs(await gql.data(RUNS, variables, token=token))
                else:
                    data = await gql.data(REGISTRY, variables, token=token)
                    versions += self.check_registry(data["project"])
        assert versions > 500  # the first 100 of each registry

    @staticmethod
    def check_runs(data: dict[str, Any]) -> None:
        runs = [edge["node"] for edge in data["project"]["runs"]["edges"]]
        assert runs
        for run in runs:
            if run["status"] in {"SUCCEEDED", "FAILED", "STOPPED"}:
                assert run["startedAt"] <= run["finishedAt"], run
            if run["name"].startswith(("train-", "evaluate-")):
                [upstream] = run["upstream"]
                assert upstream["status"] == "SUCCEEDED"
                assert upstream["finishedAt"] <= run["createdAt"], run

    @staticmethod
    def check_registry(project: dict[str, Any]) -> int:
        sources = {source["name"] for source in project["promotionSources"]}
        versions = [edge["node"] for edge in project["modelVersions"]["edges"]]
        assert sources
        assert versions
        in_production = 0
        for version in versions:
            conditions = sorted(version["stageConditions"], key=lambda c: c["at"])
            assert conditions[0]["stage"] == "TESTING"
            assert conditions[0]["reason"] == "created"
            assert conditions[-1]["stage"] == version["stage"], version
            assert version["run"]["status"] == "SUCCEEDED"
            assert version["run"]["project"]["name"] in sources
            in_production += version["stage"] == "PRODUCTION"
        assert in_production <= 1  # entering PRODUCTION archives the version there
        return len(versions)

    async def test_the_same_seed_writes_the_same_rows_and_another_seed_others(
        self, fresh_databases: list[str]
    ) -> None:
        prints = []
        for url, random_seed in zip(fresh_databases, (7, 7, 8), strict=True):
            engine = create_engine(url)
            try:
                await seed(engine, Settings(database_url=url), Scale.MEDIUM,
                           random_seed=random_seed, population=TINY)  # fmt: skip
                prints.append(await fingerprint(engine))
            finally:
                await engine.dispose()
        assert prints[0] == prints[1]
        assert prints[0] != prints[2]


@pytest.fixture
def fresh_databases(tmp_path: Path) -> Iterator[list[str]]:
    """Three new migrated databases of this leg's kind (the session's has ids used up)."""
    with ExitStack() as stack:
        urls = []
        for name in "abc":
            (tmp_path / name).mkdir()
            urls.append(stack.enter_context(databases.migrated_database(tmp_path / name)))
        yield urls


class TestLarge:
    async def test_the_benchmarks_shape_at_a_fiftieth_of_its_size(
        self,
        engine: AsyncEngine,
        settings: Settings,
        gql: GraphQLClient,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        for name, value in {"USERS": 200, "ORGANIZATIONS": 5, "RUNS": 4_000,
                            "BIG_VERSIONS": 2_000}.items():  # fmt: skip
            monkeypatch.setattr(large, name, value)
        seeded = await seed(engine, settings, Scale.LARGE)
        rows = seeded.rows
        assert (rows["users"], rows["organizations"], rows["runs"]) == (200, 5, 4_000)
        assert rows["model_versions"] == 2_000 + 60 * 12
        # Each entered TESTING; three in four moved on to the stage they hold.
        assert rows["stage_conditions"] == rows["model_versions"] + (2_000 + 60 * 12) * 3 // 4
        assert rows["organization_members"] == 1 + 5 * 40
        w1 = await gql.data(
            '{ organization(name: "acme") { viewerRole models(first: 50) { totalCount edges {'
            " node { name modelVersions(first: 10) { edges { node { name stage"
            " run { createdBy { username } } stageConditions { stage } } } } } } } } }",
            token=seeded.tokens["ada"],
        )
        organization = w1["organization"]
        assert organization["viewerRole"] == "OWNER"
        assert organization["models"]["totalCount"] == 61
        for edge in organization["models"]["edges"]:
            for version in edge["node"]["modelVersions"]["edges"]:
                node = version["node"]
                assert node["stageConditions"][-1]["stage"] == node["stage"]
                assert node["run"]["createdBy"]["username"].startswith("user-")


class TestOnlyAnEmptyDatabase:
    async def test_a_database_with_data_is_refused_and_left_as_it_was(
        self, engine: AsyncEngine, settings: Settings, factory: Factory
    ) -> None:
        await factory.user("someone")
        before = await factory.row_counts()
        for scale in Scale:
            with pytest.raises(NotEmpty, match="already holds data"):
                await seed(engine, settings, scale)
        assert await factory.row_counts() == before
