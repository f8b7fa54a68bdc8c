"""Runs over HTTP: creation with artifacts and lineage, updates, the RUNTIME feature, ordering,
and the typed filter agreeing with the query language."""

from typing import Any

import pytest

from app.organizations.models import OrganizationRole
from app.projects.models import ProjectFeature, ProjectVisibility
from app.runs.models import RunStatus
from tests.helpers import Factory, GraphQLClient, Person, error_codes, global_id

CREATE = """
mutation($input: CreateRunInput!) {
  createRun(input: $input) {
    run { id uuid name status startedAt finishedAt artifacts { name kind path summary }
          upstream { uuid } tags outputs }
    userErrors { field code message }
  }
}
"""
UPDATE = """
mutation($input: UpdateRunInput!) {
  updateRun(input: $input) {
    run { uuid status upstream { uuid } downstream { uuid } finishedAt }
    userErrors { field code message }
  }
}
"""


class World:
    def __init__(self, writer: Person, project: str, project_id: int) -> None:
        self.writer = writer
        self.project = project
        self.project_id = project_id


@pytest.fixture
async def world(factory: Factory) -> World:
    owner = await factory.user("owner")
    writer = await factory.user("writer")
    organization = await factory.organization("acme", owner=owner)
    await factory.member(organization, writer, OrganizationRole.MEMBER)
    project = await factory.project(organization, "vision", visibility=ProjectVisibility.INTERNAL)
    return World(writer, global_id("Project", project), project)


async def create(gql: GraphQLClient, world: World, **fields: Any) -> dict[str, Any]:
    body = await gql(CREATE, {"input": {"projectId": world.project, **fields}}, as_=world.writer)
    payload: dict[str, Any] = body["data"]["createRun"]
    return payload


class TestCreateRun:
    async def test_writer_records_a_run_with_artifacts_and_lineage(
        self, gql: GraphQLClient, world: World
    ) -> None:
        first = await create(
            gql,
            world,
            name="train",
            status="SUCCEEDED",
            tags=["Golden", "golden", "cv"],
            outputs={"accuracy": 0.93},
            artifacts=[{"name": "model", "kind": "MODEL", "path": "s3://b/m", "summary": {"f": 1}}],
        )
        assert first["userErrors"] == []
        run = first["run"]
        assert run["status"] == "SUCCEEDED"
        assert run["startedAt"] is not None
        assert run["finishedAt"] is not None
        assert run["tags"] == ["golden", "cv"]
        assert run["artifacts"] == [
            {"name": "model", "kind": "MODEL", "path": "s3://b/m", "summary": {"f": 1}}
        ]
        second = await create(gql, world, name="eval", upstream=[run["id"]])
        assert second["run"]["upstream"] == [{"uuid": run["uuid"]}]

    @pytest.mark.parametrize(
        ("fields", "field"),
        [
            ({"artifacts": [{"name": "m", "kind": "MODEL", "path": "a"}] * 2}, "artifacts[1].name"),
            ({"artifacts": [{"name": "m", "kind": "MODEL", "path": ""}]}, "artifacts[0].path"),
            ({"outputs": [1, 2]}, "outputs"),
            ({"outputs": {"blob": "x" * 70_000}}, "outputs"),
            ({"tags": ["has space"]}, "tags"),
            ({"name": "n" * 129}, "name"),
        ],
        ids=["duplicate-artifact", "empty-path", "outputs-not-object", "outputs-too-big",
             "bad-tag", "long-name"],
    )  # fmt: skip
    async def test_bad_input_is_invalid_and_writes_nothing(
        self, gql: GraphQLClient, factory: Factory, world: World, fields: dict[str, Any], field: str
    ) -> None:
        before = await factory.row_counts()
        payload = await create(gql, world, **fields)
        assert payload["run"] is None
        assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [(field, "INVALID")]
        assert await factory.row_counts() == before

    async def test_unknown_upstream_is_not_found_in_input(
        self, gql: GraphQLClient, factory: Factory, world: World
    ) -> None:
        before = await factory.row_counts()
        payload = await create(gql, world, upstream=[global_id("Run", 10**9)])
        assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [
            ("upstream", "NOT_FOUND")
        ]
        assert await factory.row_counts() == before

    async def test_upstream_from_another_organization_is_refused(
        self, gql: GraphQLClient, factory: Factory, world: World
    ) -> None:
        other_owner = await factory.user("other")
        other = await factory.organization("other", owner=other_owner)
        public = await factory.project(other, "open", visibility=ProjectVisibility.PUBLIC)
        foreign = await factory.run(public, "foreign")
        payload = await create(gql, world, upstream=[global_id("Run", foreign)])
        assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [("upstream", "INVALID")]

    async def test_a_project_without_runtime_refuses_runs(
        self, gql: GraphQLClient, factory: Factory, world: World
    ) -> None:
        owner = await factory.user("boss")
        organization = await factory.organization("models", owner=owner)
        registry = await factory.project(
            organization, "registry", features=frozenset({ProjectFeature.MODEL})
        )
        body = await gql(
            CREATE, {"input": {"projectId": global_id("Project", registry)}}, as_=owner
        )
        assert body["data"]["createRun"]["userErrors"][0]["code"] == "INVALID"
        assert "RUNTIME" in body["data"]["createRun"]["userErrors"][0]["message"]


class TestUpdateRun:
    async def test_status_lineage_and_cycles(
        self, gql: GraphQLClient, factory: Factory, world: World
    ) -> None:
        a = (await create(gql, world, name="a"))["run"]
        b = (await create(gql, world, name="b", upstream=[a["id"]]))["run"]
        data = await gql.data(
            UPDATE, {"input": {"id": a["id"], "status": "FAILED"}}, as_=world.writer
        )
        updated = data["updateRun"]["run"]
        assert updated["status"] == "FAILED"
        assert updated["finishedAt"] is not None
        assert updated["downstream"] == [{"uuid": b["uuid"]}]
        before = await factory.row_counts()
        data = await gql.data(
            UPDATE, {"input": {"id": a["id"], "upstream": [b["id"]]}}, as_=world.writer
        )
        assert data["updateRun"]["userErrors"][0]["field"] == "upstream"
        assert "cycle" in data["updateRun"]["userErrors"][0]["message"]
        assert await factory.row_counts() == before
        data = await gql.data(
            UPDATE, {"input": {"id": a["id"], "upstream": [a["id"]]}}, as_=world.writer
        )
        assert data["updateRun"]["userErrors"][0]["code"] == "INVALID"

    async def test_omitted_fields_stay(self, gql: GraphQLClient, world: World) -> None:
        run = (await create(gql, world, name="keep", tags=["x"], outputs={"loss": 1}))["run"]
        await gql.data(UPDATE, {"input": {"id": run["id"], "status": "RUNNING"}}, as_=world.writer)
        data = await gql.data(
            "query($id: ID!) { node(id: $id) { ... on Run { name tags outputs status } } }",
            {"id": run["id"]},
            as_=world.writer,
        )
        assert data["node"] == {
            "name": "keep",
            "tags": ["x"],
            "outputs": {"loss": 1},
            "status": "RUNNING",
        }


RUNS = """
query($owner: String!, $filter: RunFilter, $query: String, $sort: String,
      $orderBy: [RunOrder!], $first: Int, $after: String) {
  project(owner: $owner, name: "vision") {
    runs(filter: $filter, query: $query, sort: $sort, orderBy: $orderBy, first: $first,
         after: $after) {
      totalCount pageInfo { hasNextPage endCursor } edges { node { name } }
    }
  }
}
"""


class TestListingRuns:
    @pytest.fixture
    async def runs(self, factory: Factory, world: World) -> None:
        for name, status, tags in [
            ("alpha", RunStatus.SUCCEEDED, ["golden"]),
            ("beta", RunStatus.FAILED, []),
            ("gamma", RunStatus.RUNNING, ["golden", "cv"]),
            ("delta", RunStatus.SUCCEEDED, ["cv"]),
        ]:
            await factory.run(world.project_id, name, status=status, tags=tags)

    async def _names(self, gql: GraphQLClient, world: World, **variables: Any) -> list[str]:
        data = await gql.data(RUNS, {"owner": "acme", **variables}, as_=world.writer)
        return [edge["node"]["name"] for edge in data["project"]["runs"]["edges"]]

    @pytest.mark.usefixtures("runs")
    @pytest.mark.parametrize(
        ("typed", "query"),
        [
            ({"status": ["SUCCEEDED", "RUNNING"]}, "status:succeeded|running"),
            ({"tags": ["golden"]}, "tags:golden"),
            ({"nameContains": "ta"}, "name:%ta%"),
            ({"name": "beta"}, "name:beta"),
            ({"status": ["SUCCEEDED"], "tags": ["cv"]}, "status:succeeded, tags:cv"),
        ],
        ids=["status", "tags", "name-contains", "name", "both"],
    )
    async def test_typed_filter_and_query_agree(
        self, gql: GraphQLClient, world: World, typed: dict[str, Any], query: str
    ) -> None:
        by_filter = await self._names(gql, world, filter=typed, sort="name")
        by_query = await self._names(gql, world, query=query, sort="name")
        assert by_filter == by_query
        assert by_filter

    @pytest.mark.usefixtures("runs")
    async def test_sort_string_and_order_by_agree(self, gql: GraphQLClient, world: World) -> None:
        by_sort = await self._names(gql, world, sort="status, -name")
        by_order = await self._names(
            gql,
            world,
            orderBy=[
                {"field": "STATUS", "direction": "ASC"},
                {"field": "NAME", "direction": "DESC"},
            ],
        )
        assert by_sort == by_order == ["beta", "gamma", "delta", "alpha"]

    @pytest.mark.usefixtures("runs")
    async def test_default_order_is_newest_change_first(
        self, gql: GraphQLClient, world: World
    ) -> None:
        assert await self._names(gql, world) == ["delta", "gamma", "beta", "alpha"]

    @pytest.mark.usefixtures("runs")
    async def test_pages_walk_the_order(self, gql: GraphQLClient, world: World) -> None:
        names: list[str] = []
        after = None
        while True:
            data = await gql.data(
                RUNS,
                {"owner": "acme", "sort": "name", "first": 3, "after": after},
                as_=world.writer,
            )
            connection = data["project"]["runs"]
            names += [edge["node"]["name"] for edge in connection["edges"]]
            if not connection["pageInfo"]["hasNextPage"]:
                break
            after = connection["pageInfo"]["endCursor"]
        assert names == ["alpha", "beta", "delta", "gamma"]

    @pytest.mark.usefixtures("runs")
    @pytest.mark.parametrize(
        ("variables", "token"),
        [
            ({"query": "stage:production"}, "stage"),
            ({"sort": "-nope"}, "nope"),
            ({"sort": "name", "orderBy": [{"field": "NAME"}]}, "orderBy"),
            ({"query": "(status:failed"}, "status:failed"),
        ],
        ids=["unknown-field", "unknown-sort", "both-orders", "unbalanced"],
    )
    async def test_bad_queries_are_bad_user_input_naming_the_token(
        self, gql: GraphQLClient, world: World, variables: dict[str, Any], token: str
    ) -> None:
        body = await gql(RUNS, {"owner": "acme", **variables}, as_=world.writer)
        assert error_codes(body) == ["BAD_USER_INPUT"]
        assert token in body["errors"][0]["message"]

    @pytest.mark.usefixtures("runs")
    async def test_a_blank_query_filters_nothing(self, gql: GraphQLClient, world: World) -> None:
        assert len(await self._names(gql, world, query="  ")) == 4


class TestOrderingOnEmptyValues:
    async def test_pages_walk_past_empty_names_and_times_on_both_databases(
        self, gql: GraphQLClient, factory: Factory, world: World
    ) -> None:
        statuses = [RunStatus.RUNNING, RunStatus.CREATED] * 2 + [RunStatus.RUNNING]
        for index, status in enumerate(statuses):
            await factory.run(world.project_id, None if index % 2 else f"r{index}", status=status)
        expected = {
            "name": [None, None, "r0", "r2", "r4"],
            "-name": ["r4", "r2", "r0", None, None],
            "finished_at": ["r0", None, "r2", None, "r4"],
            "-started_at": ["r4", None, "r2", None, "r0"],
        }
        for sort, names in expected.items():
            seen: list[str | None] = []
            after = None
            while True:
                data = await gql.data(
                    RUNS,
                    {"owner": "acme", "sort": sort, "first": 2, "after": after},
                    as_=world.writer,
                )
                connection = data["project"]["runs"]
                seen += [edge["node"]["name"] for edge in connection["edges"]]
                if not connection["pageInfo"]["hasNextPage"]:
                    break
                after = connection["pageInfo"]["endCursor"]
            assert seen == names, sort
