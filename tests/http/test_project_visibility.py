"""Who sees which project, everywhere a project can show up (authz.md "Project visibility", "Not
found versus forbidden", "Lists are filtered in SQL"; api.md "Archived projects", "Activity").

The organization `acme` (founded by `founder`, its OWNER) holds one project per visibility, each a
runtime, a model registry and a component hub at once, each with one run:

- `open` (PUBLIC), `inside` (INTERNAL), `secret` (PRIVATE), and `hidden` (PRIVATE, no grants);
- the team `core` holds WRITER on `secret` and VIEWER on `inside`;
- lineage: `open-run` feeds `secret-run`, which feeds `inside-run`; `open-run` also feeds
  `inside-run` directly.
"""

import copy
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette

from app.main import create_app
from app.organizations.models import OrganizationRole
from app.projects.models import ProjectFeature, ProjectRole, ProjectVisibility
from app.runs.models import RunEdge
from app.settings import Settings
from app.teams.models import TeamRole
from tests.helpers import Factory, GraphQLClient, Person, error_codes, global_id
from tests.http.test_project_matrix import (
    CREATE_RUN,
    DELETE_RUN,
    REMOVE_PROJECT_ACCESS,
    SET_PROJECT_ACCESS,
    SET_PROMOTION_SOURCES,
    UPDATE_PROJECT,
    UPDATE_RUN,
    Case,
    Grant,
    Mutation,
    make_scene,
)

ORG = "acme"
EVERY_FEATURE = frozenset(ProjectFeature)


@pytest.fixture(scope="module")
def app(settings: Settings, engine: AsyncEngine) -> Starlette:
    """One app for the module (it keeps nothing between requests but cached policy decisions)."""
    return create_app(settings, engine=engine)


@dataclass
class Acme:
    founder: Person
    organization_id: int
    projects: dict[str, int]  # name -> id
    runs: dict[str, int]  # name -> id
    core_team_id: int

    def project(self, name: str) -> str:
        return global_id("Project", self.projects[name])

    def run(self, name: str) -> str:
        return global_id("Run", self.runs[name])


@pytest.fixture
async def acme(factory: Factory) -> Acme:
    founder = await factory.user("founder")
    organization_id = await factory.organization(ORG, owner=founder)
    projects = {
        name: await factory.project(
            organization_id, name, visibility=visibility, features=EVERY_FEATURE
        )
        for name, visibility in [
            ("open", ProjectVisibility.PUBLIC),
            ("inside", ProjectVisibility.INTERNAL),
            ("secret", ProjectVisibility.PRIVATE),
            ("hidden", ProjectVisibility.PRIVATE),
        ]
    }
    runs = {f"{name}-run": await factory.run(i, f"{name}-run") for name, i in projects.items()}
    core = await factory.team(organization_id, "core")
    await factory.grant(projects["secret"], ProjectRole.WRITER, team_id=core)
    await factory.grant(projects["inside"], ProjectRole.VIEWER, team_id=core)
    async with factory.sessions() as session, session.begin():
        session.add_all(
            RunEdge(upstream_id=runs[upstream], downstream_id=runs[downstream])
            for upstream, downstream in [
                ("open-run", "secret-run"),
                ("secret-run", "inside-run"),
                ("open-run", "inside-run"),
            ]
        )
    return Acme(founder, organization_id, projects, runs, core)


async def member(factory: Factory, acme: Acme, username: str, role: OrganizationRole) -> Person:
    person = await factory.user(username)
    await factory.member(acme.organization_id, person, role)
    return person


PROJECT = """
query ($owner: String!, $name: String!) {
  project(owner: $owner, name: $name) {
    name viewerRole viewerCan { createRun update }
    runs { totalCount edges { node { name } } }
  }
}
"""
NODE = "query ($id: ID!) { node(id: $id) { id } }"
NODES = "query ($ids: [ID!]!) { nodes(ids: $ids) { id } }"
LISTS = """
query ($name: String!) {
  organization(name: $name) {
    projects(sort: "name") { totalCount edges { node { name } } }
    models(sort: "name") { totalCount edges { node { name } } }
    components(sort: "name") { totalCount edges { node { name } } }
  }
}
"""


def names(connection: dict[str, Any]) -> list[str]:
    assert connection["totalCount"] == len(connection["edges"])
    return [edge["node"]["name"] for edge in connection["edges"]]


async def lookups(gql: GraphQLClient, acme: Acme, viewer: Person | None) -> dict[str, bool]:
    """For each project: whether `project(owner:, name:)`, `node` and `nodes` find it (they must
    agree), and the same for its run through `node`."""
    found: dict[str, bool] = {}
    for name in acme.projects:
        by_name = await gql.data(PROJECT, {"owner": ORG, "name": name}, as_=viewer)
        by_node = await gql.data(NODE, {"id": acme.project(name)}, as_=viewer)
        assert (by_name["project"] is not None) is (by_node["node"] is not None), name
        found[name] = by_node["node"] is not None
        run = await gql.data(NODE, {"id": acme.run(f"{name}-run")}, as_=viewer)
        found[f"{name}-run"] = run["node"] is not None
    ids = [acme.project(name) for name in acme.projects]
    listed = await gql.data(NODES, {"ids": ids}, as_=viewer)
    assert [node is not None for node in listed["nodes"]] == [found[name] for name in acme.projects]
    return found


# ---- an OUTSIDER on one project ----------------------------------------------------------------


class TestOutsiderWithATeamGrant:
    """authz.md: OUTSIDER gets nothing through the organization, only what grants give (a
    contractor on one project). Here the grant is WRITER on `secret`, to the team `contractors`
    they are on."""

    @pytest.fixture
    async def olga(self, factory: Factory, acme: Acme) -> Person:
        olga = await member(factory, acme, "olga", OrganizationRole.OUTSIDER)
        contractors = await factory.team(acme.organization_id, "contractors")
        await factory.team_member(contractors, olga, TeamRole.MEMBER)
        await factory.grant(acme.projects["secret"], ProjectRole.WRITER, team_id=contractors)
        return olga

    async def test_works_in_exactly_that_project(
        self, gql: GraphQLClient, factory: Factory, acme: Acme, olga: Person
    ) -> None:
        data = await gql.data(PROJECT, {"owner": ORG, "name": "secret"}, as_=olga)
        assert data["project"] == {
            "name": "secret",
            "viewerRole": "WRITER",
            "viewerCan": {"createRun": True, "update": False},
            "runs": {"totalCount": 1, "edges": [{"node": {"name": "secret-run"}}]},
        }
        before = await factory.row_counts()
        created = await gql.data(
            "mutation ($input: CreateRunInput!) { createRun(input: $input) "
            "{ run { name project { name } } userErrors { code } } }",
            {"input": {"projectId": acme.project("secret"), "name": "by-olga"}},
            as_=olga,
        )
        assert created["createRun"] == {
            "run": {"name": "by-olga", "project": {"name": "secret"}},
            "userErrors": [],
        }
        expected = {**before, "runs": before["runs"] + 1, "activities": before["activities"] + 1}
        assert await factory.row_counts() == expected

    async def test_sees_no_other_private_or_internal_project(
        self, gql: GraphQLClient, acme: Acme, olga: Person
    ) -> None:
        assert await lookups(gql, acme, olga) == {
            "open": True,
            "open-run": True,
            "inside": False,
            "inside-run": False,
            "secret": True,
            "secret-run": True,
            "hidden": False,
            "hidden-run": False,
        }
        organization = (await gql.data(LISTS, {"name": ORG}, as_=olga))["organization"]
        for connection in ("projects", "models", "components"):
            assert names(organization[connection]) == ["open", "secret"], connection

    async def test_sees_only_the_readable_grants_of_the_team(
        self, gql: GraphQLClient, acme: Acme, olga: Person
    ) -> None:
        """She reads `core` (every member reads teams) but of its grants only the one on
        `secret`: `core` also holds VIEWER on `inside`, which she may not read."""
        data = await gql.data(TEAM_PROJECTS, {"name": ORG}, as_=olga)
        assert grants(data) == {"secret": "WRITER"}


# ---- the anonymous viewer ------------------------------------------------------------------------

ORGANIZATION_PEOPLE = """
query ($name: String!) {
  organization(name: $name) {
    name viewerRole
    members { totalCount edges { node { role } } }
    teams { totalCount edges { node { name } } }
    team(name: "core") { name }
  }
}
"""


class TestOutsideViewers:
    """The anonymous viewer, and a signed-in user who belongs to no organization."""

    @pytest.fixture(params=["anonymous", "non-member"])
    async def stranger(self, request: pytest.FixtureRequest, factory: Factory) -> Person | None:
        return None if request.param == "anonymous" else await factory.user("nick")

    async def test_reads_a_public_project_and_its_runs_and_nothing_else(
        self, gql: GraphQLClient, acme: Acme, stranger: Person | None
    ) -> None:
        data = await gql.data(PROJECT, {"owner": ORG, "name": "open"}, as_=stranger)
        assert data["project"] == {
            "name": "open",
            "viewerRole": "VIEWER",
            "viewerCan": {"createRun": False, "update": False},
            "runs": {"totalCount": 1, "edges": [{"node": {"name": "open-run"}}]},
        }
        assert await lookups(gql, acme, stranger) == {
            "open": True,
            "open-run": True,
            "inside": False,
            "inside-run": False,
            "secret": False,
            "secret-run": False,
            "hidden": False,
            "hidden-run": False,
        }
        organization = (await gql.data(LISTS, {"name": ORG}, as_=stranger))["organization"]
        for connection in ("projects", "models", "components"):
            assert names(organization[connection]) == ["open"], connection

    async def test_sees_the_owner_of_a_public_project_but_not_its_people(
        self, gql: GraphQLClient, acme: Acme, stranger: Person | None
    ) -> None:
        data = await gql.data(ORGANIZATION_PEOPLE, {"name": ORG}, as_=stranger)
        assert data["organization"] == {
            "name": ORG,
            "viewerRole": None,
            "members": {"totalCount": 0, "edges": []},
            "teams": {"totalCount": 0, "edges": []},
            "team": None,
        }
        team = await gql.data(NODE, {"id": global_id("Team", acme.core_team_id)}, as_=stranger)
        assert team["node"] is None

    async def test_an_organization_without_public_projects_does_not_exist(
        self, gql: GraphQLClient, factory: Factory, stranger: Person | None
    ) -> None:
        founder = await factory.user("founder")
        organization_id = await factory.organization("closed", owner=founder)
        await factory.project(organization_id, "inside", visibility=ProjectVisibility.INTERNAL)
        data = await gql.data(ORGANIZATION_PEOPLE, {"name": "closed"}, as_=stranger)
        assert data["organization"] is None
        node = await gql.data(
            NODE, {"id": global_id("Organization", organization_id)}, as_=stranger
        )
        assert node["node"] is None


# ---- a PRIVATE project does not exist for those who may not read it -----------------------------

TEAM_PROJECTS = """
query ($name: String!) {
  organization(name: $name) {
    team(name: "core") { projects { totalCount edges { node { role project { name } } } } }
  }
}
"""


def grants(data: dict[str, Any]) -> dict[str, str]:
    connection = data["organization"]["team"]["projects"]
    assert connection["totalCount"] == len(connection["edges"])
    return {edge["node"]["project"]["name"]: edge["node"]["role"] for edge in connection["edges"]}


LINEAGE = """
query ($id: ID!) {
  node(id: $id) { ... on Run { name upstream { name } downstream { name } } }
}
"""

# Every mutation on `secret` (or its run), each with input that would succeed for its founder.
PRIVATE_MUTATIONS: list[tuple[str, str, Any]] = [
    (
        "updateProject",
        "UpdateProjectInput",
        lambda a: {"id": a.project("secret"), "description": "x"},
    ),
    ("archiveProject", "ProjectIdInput", lambda a: {"id": a.project("secret")}),
    ("unarchiveProject", "ProjectIdInput", lambda a: {"id": a.project("secret")}),
    ("deleteProject", "ProjectIdInput", lambda a: {"id": a.project("secret")}),
    (
        "setProjectAccess",
        "SetProjectAccessInput",
        lambda a: {"projectId": a.project("secret"), "team": "core", "role": "ADMIN"},
    ),
    (
        "removeProjectAccess",
        "RemoveProjectAccessInput",
        lambda a: {"projectId": a.project("secret"), "team": "core"},
    ),
    (
        "setPromotionSources",
        "SetPromotionSourcesInput",
        lambda a: {"projectId": a.project("secret"), "sourceIds": [a.project("open")]},
    ),
    ("createRun", "CreateRunInput", lambda a: {"projectId": a.project("secret")}),
    ("updateRun", "UpdateRunInput", lambda a: {"id": a.run("secret-run"), "status": "FAILED"}),
    ("deleteRun", "DeleteRunInput", lambda a: {"id": a.run("secret-run")}),
]


class TestPrivateProjectIsInvisible:
    """To a signed-in non-member and to an organization MEMBER without a grant, `secret` does not
    exist: null on lookup, NOT_FOUND (never FORBIDDEN) on every mutation, absent from every list,
    from lineage and from activity."""

    @pytest.fixture(params=["non-member", "MEMBER"])
    async def viewer(self, request: pytest.FixtureRequest, factory: Factory, acme: Acme) -> Person:
        if request.param == "non-member":
            return await factory.user("nick")
        return await member(factory, acme, "mona", OrganizationRole.MEMBER)

    async def test_lookups_give_null(self, gql: GraphQLClient, acme: Acme, viewer: Person) -> None:
        found = await lookups(gql, acme, viewer)
        assert not found["secret"]
        assert not found["secret-run"]
        assert found["open"]
        assert found["open-run"]

    async def test_every_mutation_is_not_found(
        self, gql: GraphQLClient, factory: Factory, acme: Acme, viewer: Person
    ) -> None:
        before = await factory.row_counts()
        codes = {}
        for field, input_type, variables in PRIVATE_MUTATIONS:
            body = await gql(
                f"mutation ($input: {input_type}!) {{ {field}(input: $input) "
                "{ userErrors { code } } }",
                {"input": variables(acme)},
                as_=viewer,
            )
            assert body["data"] == {field: None}, body
            codes[field] = error_codes(body)
        assert codes == {field: ["NOT_FOUND"] for field, _, _ in PRIVATE_MUTATIONS}
        assert await factory.row_counts() == before
        # The same once the project is archived: still NOT_FOUND, never INVALID.
        await archive_as_founder(gql, acme, "secret")
        for field, input_type, variables in PRIVATE_MUTATIONS:
            body = await gql(
                f"mutation ($input: {input_type}!) {{ {field}(input: $input) "
                "{ userErrors { code } } }",
                {"input": variables(acme)},
                as_=viewer,
            )
            assert error_codes(body) == ["NOT_FOUND"], (field, body)

    async def test_absent_from_every_list(
        self, gql: GraphQLClient, acme: Acme, viewer: Person
    ) -> None:
        organization = (await gql.data(LISTS, {"name": ORG}, as_=viewer))["organization"]
        readable = ["inside", "open"] if await is_member(gql, viewer) else ["open"]
        for connection in ("projects", "models", "components"):
            assert names(organization[connection]) == readable, connection

    async def test_absent_from_team_projects(
        self, gql: GraphQLClient, acme: Acme, viewer: Person
    ) -> None:
        """A MEMBER reads the team but sees only its grants on projects they may read; a
        non-member does not see the team at all."""
        data = await gql.data(TEAM_PROJECTS, {"name": ORG}, as_=viewer)
        if await is_member(gql, viewer):
            assert grants(data) == {"inside": "VIEWER"}
        else:
            assert data["organization"]["team"] is None

    async def test_absent_from_lineage(
        self, gql: GraphQLClient, acme: Acme, viewer: Person
    ) -> None:
        opened = await gql.data(LINEAGE, {"id": acme.run("open-run")}, as_=viewer)
        inside = await gql.data(LINEAGE, {"id": acme.run("inside-run")}, as_=viewer)
        if await is_member(gql, viewer):
            assert opened["node"] == {
                "name": "open-run",
                "upstream": [],
                "downstream": [{"name": "inside-run"}],
            }
            assert inside["node"] == {
                "name": "inside-run",
                "upstream": [{"name": "open-run"}],
                "downstream": [],
            }
        else:
            assert opened["node"] == {"name": "open-run", "upstream": [], "downstream": []}
            assert inside["node"] is None
        # The founder sees the whole graph, through `secret-run`.
        full = await gql.data(LINEAGE, {"id": acme.run("secret-run")}, as_=acme.founder)
        assert full["node"] == {
            "name": "secret-run",
            "upstream": [{"name": "open-run"}],
            "downstream": [{"name": "inside-run"}],
        }


async def is_member(gql: GraphQLClient, viewer: Person) -> bool:
    data = await gql.data(f'{{ organization(name: "{ORG}") {{ viewerRole }} }}', as_=viewer)
    return data["organization"] is not None and data["organization"]["viewerRole"] is not None


async def archive_as_founder(gql: GraphQLClient, acme: Acme, name: str) -> None:
    data = await gql.data(
        "mutation ($input: ProjectIdInput!) "
        "{ archiveProject(input: $input) { userErrors { code } } }",
        {"input": {"id": acme.project(name)}},
        as_=acme.founder,
    )
    assert data["archiveProject"]["userErrors"] == []


# ---- activity ------------------------------------------------------------------------------------

CREATE_PROJECT = """
mutation ($input: CreateProjectInput!) {
  createProject(input: $input) { project { id } userErrors { code } }
}
"""
CREATE_RUN_DOCUMENT = """
mutation ($input: CreateRunInput!) { createRun(input: $input) { run { id } userErrors { code } } }
"""
ACTIVITY = """
query ($name: String!) {
  organization(name: $name) {
    activity(first: 50) { totalCount edges { node { id verb details subject { id } } } }
  }
}
"""


class TestActivity:
    """api.md "Activity": a viewer sees the activity of objects they may read; OWNER, MANAGER and
    ADMIN see all of their organization's."""

    @pytest.fixture
    async def people(self, gql: GraphQLClient, factory: Factory) -> dict[str, Person]:
        """`acme` with `secret`, `inside` and `open` and a run in each, all made over the API by
        the founder (so each wrote its `project.created` and `run.created`), then its members
        and a non-member."""
        founder = await factory.user("founder")
        organization_id = await factory.organization(ORG, owner=founder)
        for name, visibility in [("secret", "PRIVATE"), ("inside", "INTERNAL"), ("open", "PUBLIC")]:
            created = await gql.data(
                CREATE_PROJECT,
                {
                    "input": {
                        "organizationId": global_id("Organization", organization_id),
                        "name": name,
                        "visibility": visibility,
                    }
                },
                as_=founder,
            )
            project_id = created["createProject"]["project"]["id"]
            run = await gql.data(
                CREATE_RUN_DOCUMENT,
                {"input": {"projectId": project_id, "name": f"{name}-run"}},
                as_=founder,
            )
            assert run["createRun"]["userErrors"] == []
        people = {"founder": founder, "nick": await factory.user("nick")}
        for username, role in [
            ("ada", OrganizationRole.ADMIN),
            ("mona", OrganizationRole.MEMBER),
            ("vera", OrganizationRole.VIEWER),
            ("otto", OrganizationRole.OUTSIDER),
        ]:
            people[username] = await factory.user(username)
            await factory.member(organization_id, people[username], role)
        return people

    @staticmethod
    async def seen(gql: GraphQLClient, viewer: Person | None) -> set[tuple[str, str]]:
        data = await gql.data(ACTIVITY, {"name": ORG}, as_=viewer)
        connection = data["organization"]["activity"]
        assert connection["totalCount"] == len(connection["edges"])
        seen = set()
        for edge in connection["edges"]:
            node = edge["node"]
            assert node["subject"] is not None, node  # each subject exists and is readable
            seen.add((node["verb"], node["details"]["name"]))
        return seen

    @pytest.mark.parametrize(
        ("username", "projects"),
        [
            ("founder", ["secret", "inside", "open"]),
            ("ada", ["secret", "inside", "open"]),
            ("mona", ["inside", "open"]),
            ("vera", ["inside", "open"]),
            ("otto", ["open"]),
            ("nick", ["open"]),
            (None, ["open"]),
        ],
        ids=["OWNER", "ADMIN", "MEMBER", "VIEWER", "OUTSIDER", "non-member", "anonymous"],
    )
    async def test_a_private_projects_activity_is_seen_only_by_who_reads_it(
        self,
        gql: GraphQLClient,
        people: dict[str, Person],
        username: str | None,
        projects: list[str],
    ) -> None:
        viewer = None if username is None else people[username]
        expected = {("project.created", name) for name in projects} | {
            ("run.created", f"{name}-run") for name in projects
        }
        assert await self.seen(gql, viewer) == expected

    async def test_activity_nodes_of_a_private_project_are_null_to_a_member(
        self, gql: GraphQLClient, people: dict[str, Person]
    ) -> None:
        data = await gql.data(ACTIVITY, {"name": ORG}, as_=people["founder"])
        secret = [
            edge["node"]["id"]
            for edge in data["organization"]["activity"]["edges"]
            if edge["node"]["details"]["name"] in ("secret", "secret-run")
        ]
        assert len(secret) == 2
        for activity_id in secret:
            seen_by_member = await gql.data(NODE, {"id": activity_id}, as_=people["mona"])
            assert seen_by_member["node"] is None
            seen_by_admin = await gql.data(NODE, {"id": activity_id}, as_=people["ada"])
            assert seen_by_admin["node"] == {"id": activity_id}


# ---- archived projects ---------------------------------------------------------------------------

ARCHIVE = """
mutation ($input: ProjectIdInput!) {
  archiveProject(input: $input) { project { archivedAt } userErrors { code } }
}
"""
UNARCHIVE = """
mutation ($input: ProjectIdInput!) {
  unarchiveProject(input: $input) { project { archivedAt } userErrors { code } }
}
"""
# Every write into a project the API has today (promote, transition and publish come with model
# and component versions).
WRITES = [
    UPDATE_PROJECT,
    SET_PROJECT_ACCESS,
    REMOVE_PROJECT_ACCESS,
    SET_PROMOTION_SOURCES,
    CREATE_RUN,
    UPDATE_RUN,
    DELETE_RUN,
]


class TestArchivedProject:
    """api.md "Archived projects": read-only. Every write is `userErrors` INVALID and changes
    nothing; reading goes on; `unarchiveProject` makes the same write succeed. (The scene and the
    writes are those of `test_project_matrix.py`: `proj` in `acme`, with its run `r1`.)"""

    @pytest.mark.parametrize("write", WRITES, ids=[w.field for w in WRITES])
    @pytest.mark.parametrize(
        "case",
        [Case("OWNER", "PRIVATE"), Case("MEMBER", "PRIVATE", (Grant("team", "ADMIN"),))],
        ids=["OWNER", "team-ADMIN"],
    )
    async def test_refuses_every_write_until_unarchived(
        self, gql: GraphQLClient, factory: Factory, write: Mutation, case: Case
    ) -> None:
        scene = await make_scene(gql, factory, case)
        archived = await scene.mutate(ARCHIVE, {"id": scene.project})
        assert archived["data"]["archiveProject"]["userErrors"] == [], archived
        before = await scene.state()
        assert before["project"]["archivedAt"] is True  # still read, access list and runs too

        body = await scene.mutate(write.document, write.variables(scene))
        assert "errors" not in body, body
        assert body["data"][write.field][write.result] is None
        assert body["data"][write.field]["userErrors"] == [{"field": None, "code": "INVALID"}]
        assert await scene.state() == before

        unarchived = await scene.mutate(UNARCHIVE, {"id": scene.project})
        assert unarchived["data"]["unarchiveProject"] == {
            "project": {"archivedAt": None},
            "userErrors": [],
        }
        before = await scene.state()
        body = await scene.mutate(write.document, write.variables(scene))
        assert "errors" not in body, body
        assert body["data"][write.field]["userErrors"] == []
        expected = copy.deepcopy(before)
        write.succeeded(scene, body["data"][write.field], expected)
        assert await scene.state() == expected

    async def test_an_archived_project_is_still_read_and_deleted(
        self, gql: GraphQLClient, factory: Factory
    ) -> None:
        scene = await make_scene(gql, factory, Case("OWNER", "INTERNAL"), archived=True)
        reader = await factory.user("reader")
        await factory.member(scene.organization_id, reader, OrganizationRole.VIEWER)
        data = await gql.data(PROJECT, {"owner": ORG, "name": "proj"}, as_=reader)
        assert data["project"]["runs"]["totalCount"] == 1
        assert data["project"]["viewerRole"] == "VIEWER"
        before = await scene.state()
        body = await scene.mutate(
            "mutation ($input: ProjectIdInput!) { deleteProject(input: $input) "
            "{ deletedId userErrors { code } } }",
            {"id": scene.project},
        )
        assert body["data"]["deleteProject"] == {"deletedId": scene.project, "userErrors": []}
        after = await scene.state()
        assert after["project"] is None
        assert after["rows"]["projects"] == before["rows"]["projects"] - 1
        assert after["rows"]["activities"] == before["rows"]["activities"] + 1


# ---- leaving the organization --------------------------------------------------------------------


class TestLeavingTheOrganization:
    """A grant to a user needs a membership ("OUTSIDER will do"): once removed from the
    organization, a contractor keeps nothing of it."""

    async def test_a_removed_outsider_loses_the_project_their_grant_gave(
        self, gql: GraphQLClient, factory: Factory, acme: Acme
    ) -> None:
        olga = await member(factory, acme, "olga", OrganizationRole.OUTSIDER)
        await factory.grant(acme.projects["secret"], ProjectRole.WRITER, person=olga)
        await factory.grant(acme.projects["inside"], ProjectRole.ADMIN, person=olga)
        found = await gql.data(PROJECT, {"owner": ORG, "name": "secret"}, as_=olga)
        assert found["project"]["viewerRole"] == "WRITER"
        before = await factory.row_counts()
        removed = await gql.data(
            "mutation ($input: RemoveOrganizationMemberInput!) { removeOrganizationMember("
            "input: $input) { userErrors { code } } }",
            {
                "input": {
                    "organizationId": global_id("Organization", acme.organization_id),
                    "username": "olga",
                }
            },
            as_=acme.founder,
        )
        assert removed["removeOrganizationMember"]["userErrors"] == []
        # Her membership and both grants go (the team grants on `secret` and `inside` stay).
        assert await factory.row_counts() == {
            **before,
            "organization_members": before["organization_members"] - 1,
            "project_grants": before["project_grants"] - 2,
            "activities": before["activities"] + 1,
        }
        assert await lookups(gql, acme, olga) == {
            "open": True,
            "open-run": True,
            "inside": False,
            "inside-run": False,
            "secret": False,
            "secret-run": False,
            "hidden": False,
            "hidden-run": False,
        }
