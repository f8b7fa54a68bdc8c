"""Model versions listed through GraphQL: PQL `query:` strings, the typed filter, ordering, and
keyset pages over a thousand versions, on SQLite and PostgreSQL alike.

Each valid query states the exact versions it selects among nine seeded ones (a tenth, in another
project, must never show up); each invalid one is BAD_USER_INPUT naming what was wrong.
"""

import base64
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from random import Random
from typing import Any

import pytest
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.organizations.models import OrganizationRole
from app.projects.models import ProjectFeature, ProjectVisibility
from app.registry.models import ModelVersion, ModelVersionAlias
from app.runs.models import Run, RunStatus
from app.versions.models import Stage
from tests.helpers import Factory, GraphQLClient, Person, error_codes, global_id

VERSIONS = """
query Versions($name: String!, $query: String, $filter: ModelVersionFilter, $sort: String,
               $orderBy: [ModelVersionOrder!], $first: Int, $after: String, $last: Int,
               $before: String) {
  project(owner: "acme", name: $name) {
    modelVersions(query: $query, filter: $filter, sort: $sort, orderBy: $orderBy,
                  first: $first, after: $after, last: $last, before: $before) {
      totalCount
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { cursor node { name stage createdAt updatedAt } }
    }
  }
}
"""

ALL = frozenset({"v1", "v2", "v2-1", "v3", "v20", "fv2x", "v2-rc", "nightly", "v4"})
RUN_A, RUN_B, RUN_C = "a" * 32, "b" * 32, "c" * 32


def at(month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, second, tzinfo=UTC)


# name, stage, tags, run, created_at, updated_at, description
SEED: list[tuple[Any, ...]] = [
    ("v1", Stage.TESTING, [], RUN_A, at(1, 10, 9), at(5, 1), "ResNet baseline"),
    ("v2", Stage.STAGING, ["golden"], RUN_A, at(2, 15, 10), at(3, 1), "resnet v2"),
    ("v2-1", Stage.PRODUCTION, ["golden", "vision"], RUN_B, at(3, 20), at(6, 1), None),
    ("v3", Stage.PRODUCTION, ["candidate"], RUN_B, at(4, 1), at(4, 2), "bert"),
    ("v20", Stage.DISABLED, ["golden"], None, at(4, 30, 23, 59, 59), at(7, 1), "old v20"),
    ("fv2x", Stage.STAGING, ["golden"], RUN_C, at(5, 5), at(5, 6), None),
    ("v2-rc", Stage.STAGING, [], RUN_C, at(5, 10), at(5, 11), None),
    ("nightly", Stage.TESTING, ["nightly", "candidate"], None, at(6, 30), at(6, 30, 12), "build"),
    ("v4", Stage.TESTING, ["vision"], RUN_C, at(2, 15, 12), at(8, 1), "ResNet large"),
]
NEWEST_CHANGE_FIRST = ["v4", "v20", "nightly", "v2-1", "v2-rc", "fv2x", "v1", "v3", "v2"]


@dataclass
class Registry:
    reader: Person
    project_id: int
    scratch_id: int
    bulk_id: int


@pytest.fixture
async def registry(factory: Factory) -> Registry:
    owner = await factory.user("owner")
    reader = await factory.user("reader")
    organization = await factory.organization("acme", owner=owner)
    await factory.member(organization, reader, OrganizationRole.MEMBER)
    features = frozenset({ProjectFeature.RUNTIME, ProjectFeature.MODEL})
    ids = [
        await factory.project(
            organization, name, visibility=ProjectVisibility.INTERNAL, features=features
        )
        for name in ("fraud", "scratch", "bulk")
    ]
    return Registry(reader, *ids)


def version_row(project_id: int, name: str, **fields: Any) -> dict[str, Any]:
    return {
        "project_id": project_id,
        "name": name,
        "tags": [],
        "stage": Stage.TESTING,
        "run_id": None,
        "artifacts": [],
        "digest": uuid.uuid5(uuid.NAMESPACE_URL, f"{project_id}/{name}").hex * 2,
        **fields,
    }


@pytest.fixture
async def seeded(registry: Registry, sessions: async_sessionmaker[AsyncSession]) -> Registry:
    async with sessions() as session, session.begin():
        run_ids = list(
            await session.scalars(
                insert(Run).returning(Run.id, sort_by_parameter_order=True),
                [
                    {
                        "uuid": run_uuid,
                        "project_id": registry.project_id,
                        "name": f"train-{run_uuid[0]}",
                        "status": RunStatus.SUCCEEDED,
                        "tags": [],
                    }
                    for run_uuid in (RUN_A, RUN_B, RUN_C)
                ],
            )
        )
        runs = dict(zip((RUN_A, RUN_B, RUN_C), run_ids, strict=True))
        rows = [
            version_row(
                registry.project_id,
                name,
                stage=stage,
                tags=tags,
                run_id=runs.get(run),
                created_at=created,
                updated_at=updated,
                description=description,
            )
            for name, stage, tags, run, created, updated, description in SEED
        ]
        # Another project's version matching most queries: it must never leak into these lists.
        moment = at(5, 5)
        rows.append(
            version_row(
                registry.scratch_id,
                "v2",
                stage=Stage.PRODUCTION,
                tags=["golden"],
                created_at=moment,
                updated_at=moment,
            )
        )
        await session.execute(insert(ModelVersion), rows)
        # Aliases: `champion` on v2-1 and on the other project's v2 (which must not show up).
        ids = {
            (project_id, name): version_id
            for version_id, project_id, name in await session.execute(
                select(ModelVersion.id, ModelVersion.project_id, ModelVersion.name)
            )
        }
        await session.execute(
            insert(ModelVersionAlias),
            [
                {"project_id": project, "version_id": ids[project, name], "alias": alias}
                for project, name, alias in (
                    (registry.project_id, "v2-1", "champion"),
                    (registry.project_id, "v3", "challenger"),
                    (registry.project_id, "nightly", "canary"),
                    (registry.project_id, "nightly", "edge"),
                    (registry.scratch_id, "v2", "champion"),
                )
            ],
        )
    return registry


async def listing(
    gql: GraphQLClient, registry: Registry, project: str = "fraud", **variables: Any
) -> dict[str, Any]:
    data = await gql.data(VERSIONS, {"name": project, **variables}, as_=registry.reader)
    connection: dict[str, Any] = data["project"]["modelVersions"]
    return connection


async def names(gql: GraphQLClient, registry: Registry, **variables: Any) -> list[str]:
    connection = await listing(gql, registry, first=100, **variables)
    found = [edge["node"]["name"] for edge in connection["edges"]]
    assert connection["totalCount"] == len(found)
    return found


class TestQueries:
    @pytest.mark.parametrize(
        ("query", "expected"),
        [
            pytest.param(
                "stage:production|staging, created_at:>=2026-03-01, name:%v2%, tags:golden",
                {"v2-1", "fv2x"},
                id="design-example",
            ),
            pytest.param("~stage:disabled", ALL - {"v20"}, id="not-stage"),
            pytest.param("stage:~testing", ALL - {"v1", "nightly", "v4"}, id="not-stage-value"),
            pytest.param("stage:~production|staging", {"v1", "v20", "nightly", "v4"}, id="none-of"),
            pytest.param("stage:PRODUCTION", {"v2-1", "v3"}, id="stage-any-case"),
            pytest.param(f"run:{RUN_A}", {"v1", "v2"}, id="run-uuid"),
            pytest.param(f"run:{RUN_B.upper()}", {"v2-1", "v3"}, id="run-uuid-any-case"),
            pytest.param(f"run:{RUN_B}|{RUN_C}", {"v2-1", "v3", "fv2x", "v2-rc", "v4"}, id="runs"),
            pytest.param("run:nil", {"v20", "nightly"}, id="run-nil"),
            pytest.param("~run:nil", ALL - {"v20", "nightly"}, id="run-not-nil"),
            pytest.param("run:" + "0" * 32, set(), id="unknown-run"),
            pytest.param("tags:golden", {"v2", "v2-1", "v20", "fv2x"}, id="tag"),
            pytest.param("tags:nightly|vision", {"v2-1", "nightly", "v4"}, id="tags-any"),
            pytest.param("tags:nil", {"v1", "v2-rc"}, id="no-tags"),
            pytest.param("~tags:golden", ALL - {"v2", "v2-1", "v20", "fv2x"}, id="not-tag"),
            pytest.param("created_at:2026-02-15", {"v2", "v4"}, id="whole-day"),
            pytest.param(
                "created_at:2026-04-01 .. 2026-04-30", {"v3", "v20"}, id="date-range-whole-days"
            ),
            pytest.param(
                "created_at:2026-04-01T00:00:01Z .. 2026-04-30T23:59:59Z",
                {"v20"},
                id="datetime-range-inclusive",
            ),
            pytest.param("created_at:<2026-02-15", {"v1"}, id="before-day"),
            pytest.param("created_at:<=2026-02-15", {"v1", "v2", "v4"}, id="up-to-day"),
            pytest.param("created_at:>2026-05-05", {"v2-rc", "nightly"}, id="after-day"),
            pytest.param(
                "updated_at:>=2026-06-30T12:00:00Z", {"nightly", "v20", "v4"}, id="updated-since"
            ),
            pytest.param(
                "updated_at:2026-03-01 .. 2026-05-01T00:00:00",
                {"v2", "v3", "v1"},
                id="updated-range-to-instant",
            ),
            pytest.param("name:v2", {"v2"}, id="name"),
            pytest.param("name:V2", {"v2"}, id="name-is-case-insensitive"),
            pytest.param('name:"v2-1"', {"v2-1"}, id="quoted-name"),
            pytest.param("name:v2%", {"v2", "v2-1", "v20", "v2-rc"}, id="name-starts"),
            pytest.param("name:%rc", {"v2-rc"}, id="name-ends"),
            pytest.param("name:~v1|v2|v3|v4", ALL - {"v1", "v2", "v3", "v4"}, id="names-not"),
            pytest.param("description:%RESNET%", {"v1", "v2", "v4"}, id="description-like"),
            pytest.param("description:nil", {"v2-1", "fv2x", "v2-rc"}, id="description-nil"),
            pytest.param(
                "(stage:production | tags:golden), ~stage:disabled",
                {"v2-1", "v3", "v2", "fv2x"},
                id="or-in-parentheses",
            ),
            pytest.param(
                "stage:production OR tags:nightly AND stage:testing",
                {"v2-1", "v3", "nightly"},
                id="and-binds-tighter",
            ),
            pytest.param("~(stage:testing | tags:golden)", {"v3", "v2-rc"}, id="not-group"),
            pytest.param("stage:production and name:v3", {"v3"}, id="lowercase-keyword"),
            pytest.param("alias:champion", {"v2-1"}, id="alias"),
            pytest.param("alias:Champion", {"v2-1"}, id="alias-any-case"),
            pytest.param("alias:champion|challenger", {"v2-1", "v3"}, id="aliases-any"),
            pytest.param("alias:canary|edge", {"nightly"}, id="two-aliases-one-version"),
            pytest.param("~alias:champion", ALL - {"v2-1"}, id="not-alias"),
            pytest.param("alias:~champion|canary", ALL - {"v2-1", "nightly"}, id="none-of-aliases"),
            pytest.param("alias:nil", ALL - {"v2-1", "v3", "nightly"}, id="no-alias"),
            pytest.param("~alias:nil", {"v2-1", "v3", "nightly"}, id="some-alias"),
            pytest.param("alias:latest", set(), id="no-such-alias"),
            pytest.param(
                "alias:champion | tags:candidate, ~stage:production",
                {"v2-1", "nightly"},
                id="alias-or-tag",
            ),
        ],
    )
    async def test_query_selects_exactly(
        self, gql: GraphQLClient, seeded: Registry, query: str, expected: set[str]
    ) -> None:
        assert set(await names(gql, seeded, query=query)) == expected

    @pytest.mark.parametrize(
        ("query", "token"),
        [
            pytest.param("stage:retired", "retired", id="unknown-stage"),
            pytest.param("colour:red", "colour", id="unknown-field"),
            pytest.param("status:failed", "status", id="a-run-field"),
            pytest.param("created_at:yesterday", "yesterday", id="not-a-date"),
            pytest.param("updated_at:2026-13-01", "2026-13-01", id="no-such-month"),
            pytest.param("created_at:2026-03-01 .. 2026-01-01", "created_at", id="backwards"),
            pytest.param("name:>v1", "name", id="comparison-on-text"),
            pytest.param("tags:%gold%", "tags", id="like-on-tags"),
            pytest.param("run:%abc%", "run", id="like-on-run"),
            pytest.param("stage:>staging", "stage", id="comparison-on-stage"),
            pytest.param("stage:", "stage", id="empty-value"),
            pytest.param("stage:a||b", "a||b", id="empty-alternative"),
            pytest.param("(stage:production", "stage:production", id="unbalanced"),
            pytest.param("stage:production tags:golden", "tags:golden", id="missing-comma"),
            pytest.param("metrics.accuracy:>0.9", "metrics.accuracy", id="no-json-paths"),
            pytest.param("alias:%champ%", "alias", id="like-on-alias"),
            pytest.param("alias:>a", "alias", id="comparison-on-alias"),
            pytest.param("aliases:champion", "aliases", id="aliases-is-no-field"),
        ],
    )
    async def test_bad_query_is_bad_user_input_naming_the_token(
        self, gql: GraphQLClient, seeded: Registry, query: str, token: str
    ) -> None:
        body = await gql(VERSIONS, {"name": "fraud", "query": query}, as_=seeded.reader)
        assert error_codes(body) == ["BAD_USER_INPUT"], body
        assert token in body["errors"][0]["message"], body["errors"][0]["message"]
        assert body["data"] == {"project": None}

    @pytest.mark.parametrize(
        ("typed", "query"),
        [
            ({"stage": ["PRODUCTION", "STAGING"]}, "stage:production|staging"),
            ({"tags": ["golden", "nightly"]}, "tags:golden|nightly"),
            ({"name": "V2"}, "name:v2"),
            ({"nameContains": "v2"}, "name:%v2%"),
            ({"run": RUN_C}, f"run:{RUN_C}"),
            ({"alias": ["champion", "CANARY"]}, "alias:champion|canary"),
            ({"createdAfter": "2026-03-20T00:00:00Z"}, "created_at:>2026-03-20T00:00:00Z"),
            ({"createdBefore": "2026-03-20T00:00:00Z"}, "created_at:<2026-03-20T00:00:00Z"),
        ],
        ids=[
            "stage",
            "tags",
            "name",
            "name-contains",
            "run",
            "alias",
            "created-after",
            "created-before",
        ],
    )
    async def test_typed_filter_and_query_agree(
        self,
        gql: GraphQLClient,
        seeded: Registry,
        sessions: async_sessionmaker[AsyncSession],
        typed: dict[str, Any],
        query: str,
    ) -> None:
        if "run" in typed:  # the query language names a run by uuid, the typed filter by id
            async with sessions() as session:
                run_id = await session.scalar(select(Run.id).where(Run.uuid == typed["run"]))
            typed = {"run": global_id("Run", run_id or 0)}
        by_filter = await names(gql, seeded, filter=typed)
        by_query = await names(gql, seeded, query=query)
        assert by_filter == by_query
        assert by_filter

    async def test_blank_query_filters_nothing(self, gql: GraphQLClient, seeded: Registry) -> None:
        assert set(await names(gql, seeded, query="  ")) == ALL


class TestOrder:
    async def test_default_order_is_newest_change_first(
        self, gql: GraphQLClient, seeded: Registry
    ) -> None:
        assert await names(gql, seeded) == NEWEST_CHANGE_FIRST
        assert await names(gql, seeded, sort="-updated_at") == NEWEST_CHANGE_FIRST

    @pytest.mark.parametrize(
        ("sort", "order_by"),
        [
            ("-created_at", [("CREATED_AT", "DESC")]),
            ("name", [("NAME", "ASC")]),
            ("stage, -name", [("STAGE", "ASC"), ("NAME", "DESC")]),
            ("-stage, updated_at", [("STAGE", "DESC"), ("UPDATED_AT", "ASC")]),
        ],
    )
    async def test_sort_and_order_by_agree(
        self, gql: GraphQLClient, seeded: Registry, sort: str, order_by: list[tuple[str, str]]
    ) -> None:
        typed = [{"field": field, "direction": direction} for field, direction in order_by]
        by_sort = await names(gql, seeded, sort=sort)
        assert by_sort == await names(gql, seeded, orderBy=typed)
        assert sorted(by_sort) == sorted(ALL)

    async def test_orders_are_what_they_say(self, gql: GraphQLClient, seeded: Registry) -> None:
        by_created = sorted(SEED, key=lambda row: row[4], reverse=True)
        assert await names(gql, seeded, sort="-created_at") == [row[0] for row in by_created]
        assert await names(gql, seeded, sort="name") == sorted(ALL)
        by_stage = await names(gql, seeded, sort="stage, -name")
        stage_of = {row[0]: row[1] for row in SEED}
        groups = [stage_of[name] for name in by_stage]
        starts = [g for i, g in enumerate(groups) if i == 0 or groups[i - 1] is not g]
        assert sorted(starts) == sorted(Stage)  # each stage's versions together...
        for stage in Stage:
            inside = [name for name in by_stage if stage_of[name] is stage]
            assert inside == sorted(inside, reverse=True)  # ...names descending inside it

    @pytest.mark.parametrize(
        ("variables", "token"),
        [
            ({"sort": "-nope"}, "nope"),
            ({"sort": "name, -name"}, "name"),
            ({"sort": "name", "orderBy": [{"field": "NAME"}]}, "orderBy"),
            ({"orderBy": [{"field": "NAME"}, {"field": "NAME", "direction": "DESC"}]}, "orderBy"),
        ],
        ids=["unknown-sort", "twice-in-sort", "both", "twice-in-order-by"],
    )
    async def test_bad_orders_are_bad_user_input(
        self, gql: GraphQLClient, seeded: Registry, variables: dict[str, Any], token: str
    ) -> None:
        body = await gql(VERSIONS, {"name": "fraud", **variables}, as_=seeded.reader)
        assert error_codes(body) == ["BAD_USER_INPUT"], body
        assert token in body["errors"][0]["message"]

    @pytest.mark.parametrize(
        "values",
        [["NOPE", 1], ["staging", 1], [5, 1], [None, 1], ["STAGING", "1"]],
        ids=["unknown-stage", "lowercase-stage", "number", "null", "text-id"],
    )
    async def test_a_forged_stage_cursor_is_bad_user_input(
        self, gql: GraphQLClient, seeded: Registry, values: list[Any]
    ) -> None:
        forged = base64.urlsafe_b64encode(json.dumps(["stage", values]).encode()).decode()
        body = await gql(
            VERSIONS, {"name": "fraud", "sort": "stage", "after": forged}, as_=seeded.reader
        )
        assert error_codes(body) == ["BAD_USER_INPUT"], body
        assert "after" in body["errors"][0]["message"]

    async def test_a_stage_cursor_pages_on(self, gql: GraphQLClient, seeded: Registry) -> None:
        everything = await names(gql, seeded, sort="stage")
        first = await listing(gql, seeded, sort="stage", first=4)
        rest = await listing(
            gql, seeded, sort="stage", first=10, after=first["pageInfo"]["endCursor"]
        )
        paged = [edge["node"]["name"] for edge in first["edges"] + rest["edges"]]
        assert paged == everything


# ---- keyset pages over 1,000 versions --------------------------------------------------------

BULK = 1000
PAGE = 37


@pytest.fixture
async def bulk(registry: Registry, sessions: async_sessionmaker[AsyncSession]) -> Registry:
    """1,000 versions whose name, creation and change orders all differ from the id order, with
    many ties in time and stage (the id breaks them) and microseconds in every timestamp."""
    rng = Random(20260101)  # noqa: S311 - a fixed shuffle, not a secret
    names_order, created_order, updated_order = (rng.sample(range(BULK), BULK) for _ in range(3))
    base = at(1, 1)

    def moment(group: int) -> datetime:
        return base + timedelta(seconds=61 * group, microseconds=(group * 7919) % 1_000_000)

    rows = [
        version_row(
            registry.bulk_id,
            f"m{names_order[i]:04d}",
            stage=rng.choice(list(Stage)),
            created_at=moment(created_order[i] // 5),
            updated_at=moment(updated_order[i] // 7),
        )
        for i in range(BULK)
    ]
    async with sessions() as session, session.begin():
        await session.execute(insert(ModelVersion), rows)
    return registry


def sort_values(node: dict[str, Any], sort: str | None) -> tuple[Any, ...]:
    """The node's sort key, times negated where descending, so that the list must ascend."""
    keys: list[Any] = []
    for part in (sort or "-updated_at").split(","):
        field = part.strip().lstrip("-")
        if not field.endswith("_at"):
            assert not part.strip().startswith("-")  # (only times are walked descending)
            keys.append(node[field])
            continue
        moment = datetime.fromisoformat(node["createdAt" if field == "created_at" else "updatedAt"])
        keys.append(-moment.timestamp() if part.strip().startswith("-") else moment.timestamp())
    return tuple(keys)


async def walk(
    gql: GraphQLClient, registry: Registry, sort: str | None, *, backwards: bool
) -> list[dict[str, Any]]:
    """Every page of PAGE versions, following the cursors to the end of the list."""
    seen: list[dict[str, Any]] = []
    cursor: str | None = None
    pages = 0
    while True:
        if backwards:
            page = await listing(gql, registry, "bulk", sort=sort, last=PAGE, before=cursor)
        else:
            page = await listing(gql, registry, "bulk", sort=sort, first=PAGE, after=cursor)
        pages += 1
        assert page["totalCount"] == BULK
        nodes = [edge["node"] for edge in page["edges"]]
        info = page["pageInfo"]
        more = info["hasPreviousPage"] if backwards else info["hasNextPage"]
        came_from_cursor = info["hasNextPage"] if backwards else info["hasPreviousPage"]
        assert came_from_cursor is (cursor is not None)
        assert len(nodes) == (PAGE if more else BULK - PAGE * (pages - 1))
        seen = nodes + seen if backwards else seen + nodes
        if not more:
            break
        cursor = info["startCursor"] if backwards else info["endCursor"]
        assert cursor == page["edges"][0 if backwards else -1]["cursor"]
    assert pages == -(-BULK // PAGE)
    return seen


@pytest.mark.parametrize("sort", [None, "name", "stage, -created_at"])
async def test_keyset_walk_visits_every_version_once_in_order(
    gql: GraphQLClient, bulk: Registry, sort: str | None
) -> None:
    forwards = await walk(gql, bulk, sort, backwards=False)
    backwards = await walk(gql, bulk, sort, backwards=True)
    visited = [node["name"] for node in forwards]
    assert len(visited) == len(set(visited)) == BULK  # no repeat
    assert set(visited) == {f"m{i:04d}" for i in range(BULK)}  # no gap
    keys = [sort_values(node, sort) for node in forwards]
    assert keys == sorted(keys)
    # Ties are broken the same way whichever way the cursors walk.
    assert [node["name"] for node in backwards] == visited
