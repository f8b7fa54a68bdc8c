"""What the API must not let slip, continued from `test_leaks.py` (authz.md, "Decisions of
2026-11-30"):

- "No oracles. ... Lineage walks stop at runs the viewer cannot read; they never pass through
  them" (`TestLineageStopsAtUnreadableRuns`).
- "Organizations seen from outside (via a PUBLIC project): name and display name only;
  description, timestamps, members and teams are null or empty for non-members"
  (`TestOrganizationsSeenFromOutside`).

The refusing halves fail until the fixes land; the allowing halves (an admin walks the whole
lineage, a member reads the organization) hold today and must keep holding.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette

from app.main import create_app
from app.organizations.models import OrganizationRole
from app.projects.models import ProjectFeature, ProjectVisibility
from app.settings import Settings
from tests.helpers import Factory, GraphQLClient, Person, global_id

ORG = "acme"


@pytest.fixture(scope="module")
def app(settings: Settings, engine: AsyncEngine) -> Starlette:
    """One app for the module (it keeps nothing between requests but cached policy decisions)."""
    return create_app(settings, engine=engine)


async def signed_in(factory: Factory, organization_id: int, who: str) -> Person | None:
    """`who` is "anonymous", "non-member" or an organization role's name."""
    if who == "anonymous":
        return None
    person = await factory.user(who.lower())
    if who != "non-member":
        await factory.member(organization_id, person, OrganizationRole(who))
    return person


# ---- 3. lineage ---------------------------------------------------------------------------------

CREATE_RUN = """
mutation ($input: CreateRunInput!) {
  createRun(input: $input) { run { id uuid } userErrors { field code message } }
}
"""
PROMOTE = """
mutation ($input: PromoteRunInput!) {
  promoteRun(input: $input) { modelVersion { reference } userErrors { field code message } }
}
"""
LINEAGE = """
query ($reference: String!) {
  modelVersion(reference: $reference) { lineage { run { uuid } upstream { uuid } } }
}
"""
RUN_UPSTREAM = """
query ($id: ID!) { node(id: $id) { ... on Run { uuid upstream { uuid } } } }
"""


@dataclass
class Lineage:
    """`acme` with `vision` (PUBLIC, a runtime and a model registry) and `secret` (PRIVATE, a
    runtime). The founder, over the API, records C in `vision`, B in `secret` fed by C, A in
    `vision` fed by B, and promotes A into `vision` as `v1`: A <- B (unreadable) <- C."""

    organization_id: int
    runs: dict[str, dict[str, str]]  # name -> {"id", "uuid"}
    reference: str

    def names(self, runs: list[dict[str, str]]) -> list[str]:
        """Run names for `[{uuid}]` (a uuid of no run of this world stays as it is)."""
        by_uuid = {run["uuid"]: name for name, run in self.runs.items()}
        return [by_uuid.get(run["uuid"], run["uuid"]) for run in runs]


@pytest.fixture
async def lineage(gql: GraphQLClient, factory: Factory) -> Lineage:
    founder = await factory.user("founder")
    organization_id = await factory.organization(ORG, owner=founder)
    vision = global_id(
        "Project",
        await factory.project(
            organization_id,
            "vision",
            visibility=ProjectVisibility.PUBLIC,
            features=frozenset({ProjectFeature.RUNTIME, ProjectFeature.MODEL}),
        ),
    )
    secret = global_id(
        "Project",
        await factory.project(organization_id, "secret", visibility=ProjectVisibility.PRIVATE),
    )
    runs: dict[str, dict[str, str]] = {}
    for name, project, upstream in [("C", vision, None), ("B", secret, "C"), ("A", vision, "B")]:
        values: dict[str, Any] = {"projectId": project, "name": name, "status": "SUCCEEDED"}
        if upstream is not None:
            values["upstream"] = [runs[upstream]["id"]]
        created = await gql.data(CREATE_RUN, {"input": values}, as_=founder)
        assert created["createRun"]["userErrors"] == [], created
        runs[name] = created["createRun"]["run"]
    promoted = await gql.data(
        PROMOTE,
        {"input": {"projectId": vision, "runId": runs["A"]["id"], "name": "v1"}},
        as_=founder,
    )
    assert promoted["promoteRun"]["userErrors"] == [], promoted
    reference = promoted["promoteRun"]["modelVersion"]["reference"]
    assert reference == f"{ORG}/vision:v1"
    return Lineage(organization_id, runs, reference)


class TestLineageStopsAtUnreadableRuns:
    """authz.md 2026-11-30, "No oracles": who may not read B (in PRIVATE `secret`) must not
    reach C through it, or the model's lineage would tell them that an unreadable run sits
    between A and C."""

    @pytest.mark.parametrize("who", ["anonymous", "non-member", "MEMBER"])
    async def test_who_cannot_read_the_private_run_sees_no_upstream_in_the_lineage(
        self, gql: GraphQLClient, factory: Factory, lineage: Lineage, who: str
    ) -> None:
        viewer = await signed_in(factory, lineage.organization_id, who)
        data = await gql.data(LINEAGE, {"reference": lineage.reference}, as_=viewer)
        assert data["modelVersion"] is not None
        found = data["modelVersion"]["lineage"]
        assert lineage.names([found["run"]]) == ["A"]
        assert lineage.names(found["upstream"]) == []

    async def test_member_sees_no_upstream_of_the_run(
        self, gql: GraphQLClient, factory: Factory, lineage: Lineage
    ) -> None:
        """A guard (holds today): the run's own `upstream` stops at B too."""
        viewer = await signed_in(factory, lineage.organization_id, "MEMBER")
        data = await gql.data(RUN_UPSTREAM, {"id": lineage.runs["A"]["id"]}, as_=viewer)
        assert data["node"] is not None
        assert lineage.names([data["node"]]) == ["A"]
        assert lineage.names(data["node"]["upstream"]) == []

    async def test_admin_sees_the_whole_lineage_through_the_private_run(
        self, gql: GraphQLClient, factory: Factory, lineage: Lineage
    ) -> None:
        """An organization ADMIN reads `secret`: B, then C beyond it, nearest first."""
        viewer = await signed_in(factory, lineage.organization_id, "ADMIN")
        data = await gql.data(LINEAGE, {"reference": lineage.reference}, as_=viewer)
        assert data["modelVersion"] is not None
        found = data["modelVersion"]["lineage"]
        assert lineage.names([found["run"]]) == ["A"]
        assert lineage.names(found["upstream"]) == ["B", "C"]


VERSION_RUNS = """
query ($reference: String!) {
  organization(name: "acme") {
    models(first: 10) { edges { node { name modelVersions(first: 10) {
      edges { node { name run { name } } } } } } }
  }
  modelVersion(reference: $reference) { name run { name } }
}
"""


class TestAVersionsRunIsReadOnlyWhereItsProjectIs:
    """A version in a PUBLIC registry whose run lives in PRIVATE `secret`: `run` is null for who
    cannot read `secret`, in a page (look-ahead decides the whole page at once) and alone alike."""

    @pytest.mark.parametrize(
        ("who", "sees"), [("anonymous", None), ("MEMBER", None), ("ADMIN", "hidden")]
    )
    async def test_the_run_follows_its_own_project(
        self, gql: GraphQLClient, factory: Factory, who: str, sees: str | None
    ) -> None:
        founder = await factory.user("founder")
        organization_id = await factory.organization(ORG, owner=founder)
        registry = await factory.project(
            organization_id,
            "registry",
            visibility=ProjectVisibility.PUBLIC,
            features=frozenset({ProjectFeature.RUNTIME, ProjectFeature.MODEL}),
        )
        secret = await factory.project(organization_id, "secret")
        hidden = await factory.run(secret, "hidden")
        shown = await factory.run(registry, "shown")
        await factory.model_version(registry, "v1", run_id=hidden)
        await factory.model_version(registry, "v2", run_id=shown)
        viewer = await signed_in(factory, organization_id, who)
        data = await gql.data(VERSION_RUNS, {"reference": f"{ORG}/registry:v1"}, as_=viewer)
        [model] = data["organization"]["models"]["edges"]
        runs = {
            edge["node"]["name"]: edge["node"]["run"]
            for edge in model["node"]["modelVersions"]["edges"]
        }
        expected = None if sees is None else {"name": sees}
        assert runs == {"v1": expected, "v2": {"name": "shown"}}
        assert data["modelVersion"] == {"name": "v1", "run": expected}


# ---- 4. organizations seen from outside ---------------------------------------------------------

FIELDS = """
  name displayName description createdAt updatedAt
  members { totalCount edges { node { role } } }
  teams { totalCount edges { node { name } } }
"""
Pick = Callable[[dict[str, Any]], dict[str, Any] | None]
ROUTES: dict[str, tuple[str, Pick]] = {
    "organization": (
        f"query ($name: String!) {{ organization(name: $name) {{ {FIELDS} }} }}",
        lambda data: data["organization"],
    ),
    "project.organization": (
        f'query ($name: String!) {{ project(owner: $name, name: "open") '
        f"{{ organization {{ {FIELDS} }} }} }}",
        lambda data: data["project"]["organization"],
    ),
    "node": (
        f"query ($id: ID!) {{ node(id: $id) {{ ... on Organization {{ {FIELDS} }} }} }}",
        lambda data: data["node"],
    ),
}
DISPLAY_NAME = "Acme Corporation"
DESCRIPTION = "Fraud models for the whole group; roadmap in the wiki."


@pytest.fixture
async def organization_id(gql: GraphQLClient, factory: Factory) -> int:
    """`acme` with a display name and a description (set by its founder over the API), a PUBLIC
    project `open`, a team `core` and a second member."""
    founder = await factory.user("founder")
    organization_id = await factory.organization(ORG, owner=founder)
    await factory.project(organization_id, "open", visibility=ProjectVisibility.PUBLIC)
    await factory.team(organization_id, "core")
    await factory.member(organization_id, await factory.user("mona"), OrganizationRole.MEMBER)
    updated = await gql.data(
        "mutation ($input: UpdateOrganizationInput!) { updateOrganization(input: $input) "
        "{ userErrors { field code message } } }",
        {
            "input": {
                "id": global_id("Organization", organization_id),
                "displayName": DISPLAY_NAME,
                "description": DESCRIPTION,
            }
        },
        as_=founder,
    )
    assert updated["updateOrganization"]["userErrors"] == [], updated
    return organization_id


async def seen(
    gql: GraphQLClient, route: str, organization_id: int, viewer: Person | None
) -> dict[str, Any] | None:
    document, pick = ROUTES[route]
    variables = {"name": ORG, "id": global_id("Organization", organization_id)}
    used = {key: value for key, value in variables.items() if f"${key}" in document}
    body = await gql(document, used, as_=viewer)
    assert "errors" not in body, body
    found: dict[str, Any] | None = pick(body["data"])
    return found


class TestOrganizationsSeenFromOutside:
    """authz.md 2026-11-30, "Organizations seen from outside": a non-member sees the owner of a
    PUBLIC project by its name and display name, and nothing else of it, however they reach it.
    (Today `createdAt`/`updatedAt` are non-null in the SDL, so the fix also changes the schema.)"""

    @pytest.mark.parametrize("route", list(ROUTES))
    @pytest.mark.parametrize("who", ["anonymous", "non-member"])
    async def test_outsider_sees_only_name_and_display_name(
        self, gql: GraphQLClient, factory: Factory, organization_id: int, who: str, route: str
    ) -> None:
        viewer = await signed_in(factory, organization_id, who)
        assert await seen(gql, route, organization_id, viewer) == {
            "name": ORG,
            "displayName": DISPLAY_NAME,
            "description": None,
            "createdAt": None,
            "updatedAt": None,
            "members": {"totalCount": 0, "edges": []},
            "teams": {"totalCount": 0, "edges": []},
        }

    @pytest.mark.parametrize("route", list(ROUTES))
    @pytest.mark.parametrize("who", ["OUTSIDER", "MEMBER"])
    async def test_member_still_sees_description_and_timestamps(
        self, gql: GraphQLClient, factory: Factory, organization_id: int, who: str, route: str
    ) -> None:
        """Every member, OUTSIDER included, reads the organization, its people and its teams."""
        viewer = await signed_in(factory, organization_id, who)
        found = await seen(gql, route, organization_id, viewer)
        assert found is not None
        assert (found["name"], found["displayName"], found["description"]) == (
            ORG,
            DISPLAY_NAME,
            DESCRIPTION,
        )
        assert found["createdAt"] is not None
        assert found["updatedAt"] is not None
        # founder, mona and the viewer; the team `core`
        assert found["members"]["totalCount"] == 3
        assert len(found["members"]["edges"]) == 3
        assert found["teams"] == {"totalCount": 1, "edges": [{"node": {"name": "core"}}]}
