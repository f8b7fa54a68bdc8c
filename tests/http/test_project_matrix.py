"""The project permission matrix end to end: every project and run mutation over HTTP.

Each case builds the organization `acme` founded by `founder` (its OWNER) with:

- `proj`, the project under test (the case's visibility, archived or not), holding the run `r1`;
- `source`, a PUBLIC project (a promotion source anyone may read);
- `tara`, a MEMBER with a user grant VIEWER on `proj` (what `removeProjectAccess` takes away);
- the connection `bucket` in acme's catalogue (what `setProjectConnections` allows `proj`);
- the team `ops` with no members (what `setProjectAccess` grants WRITER to);
- the viewer `vic` with the case's organization role (or none, or anonymous) and grants on `proj`,
  each to `vic` directly or to the team `core` with `vic` on it.

`vic` runs one mutation. The expected outcome comes from `tests/authz/matrix.py`, the design
written down as data:

- allowed: no errors, empty `userErrors`, and the project (as its founder sees it) changed in
  exactly the intended way, with exactly one new `activities` row;
- not readable: top-level NOT_FOUND (authz.md "Not found versus forbidden"); readable but the role
  falls short: top-level FORBIDDEN; the role suffices but the project is archived: `userErrors`
  INVALID (api.md "Archived projects"). In every refusal nothing changed: same project, same row
  counts, in particular no activity row.

`TestViewerPermissions` checks `viewerRole`, `viewerCan` and the `access` list against every
viewer of the matrix.
"""

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from starlette.applications import Starlette

from app.authn import hash_token, mint_token
from app.connections.models import Connection, ConnectionKind
from app.db import utcnow
from app.main import create_app
from app.organizations.models import Organization, OrganizationMember, OrganizationRole
from app.projects.models import (
    Project,
    ProjectFeature,
    ProjectGrant,
    ProjectRole,
    ProjectVisibility,
)
from app.runs.models import Run, RunStatus
from app.settings import Settings
from app.teams.models import Team, TeamMember, TeamRole
from app.users.models import AccessToken, User
from tests.authz import matrix
from tests.authz.matrix import ANONYMOUS, NON_MEMBER, ORG_ROLES, VIEWERS
from tests.helpers import Factory, GraphQLClient, Person, error_codes, global_id

ORG = "acme"
PROJECT = "proj"
SOURCE = "source"
RUN = "r1"
TEAM = "core"
OTHER_TEAM = "ops"
CONNECTION = "bucket"
VIEWER_NAME = "vic"
TARGET_NAME = "tara"

OK, INVALID, FORBIDDEN, NOT_FOUND = "OK", "INVALID", "FORBIDDEN", "NOT_FOUND"


@pytest.fixture(scope="module")
def app(settings: Settings, engine: AsyncEngine) -> Starlette:
    """One app for the module: it keeps nothing between requests but the policy's cached
    decisions and its metrics, and building it is a good part of a case's cost."""
    return create_app(settings, engine=engine)


# ---- viewers -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Grant:
    via: str  # "user": to the viewer; "team": to a team the viewer is on
    role: str  # a ProjectRole

    def __str__(self) -> str:
        return f"{self.via}:{self.role}"


@dataclass(frozen=True)
class Case:
    """A viewer of `proj`: organization role (or NON_MEMBER, ANONYMOUS), visibility, grants."""

    viewer: str
    visibility: str
    grants: tuple[Grant, ...] = ()

    @property
    def id(self) -> str:
        return f"{self.viewer}-{self.visibility}-{'+'.join(map(str, self.grants)) or 'no-grant'}"

    @property
    def roles(self) -> tuple[str, ...]:
        return tuple(grant.role for grant in self.grants)

    def reads(self, kind: str = "project") -> bool:
        return matrix.project_allows(self.viewer, self.visibility, self.roles, False, kind, "read")

    def allows(self, kind: str, action: str, *, archived: bool) -> bool:
        return matrix.project_allows(
            self.viewer, self.visibility, self.roles, archived, kind, action
        )

    def outcome(self, kind: str, action: str, *, archived: bool) -> str:
        """What the mutation answers this viewer: the design's decision channels."""
        if not self.reads(kind):
            return NOT_FOUND
        if self.allows(kind, action, archived=archived):
            return OK
        if archived and self.allows(kind, action, archived=False):
            return INVALID
        return FORBIDDEN


def user(role: str) -> Grant:
    return Grant("user", role)


def team(role: str) -> Grant:
    return Grant("team", role)


# A representative set: every organization role but MANAGER (OWNER's twin here; all roles are in
# `TestViewerPermissions`), every visibility, grants to the user and to a team, each project role
# through a grant alone, a grant below the organization's role (it never lowers), two grants (the
# strongest counts); together every outcome of every mutation (`test_the_cases_cover_every_outcome`
# checks).
CASES = [
    Case("OWNER", "PRIVATE"),
    Case("ADMIN", "PUBLIC", (user("VIEWER"),)),
    Case("MEMBER", "INTERNAL"),
    Case("MEMBER", "PUBLIC"),
    Case("MEMBER", "PRIVATE"),
    Case("MEMBER", "PRIVATE", (team("ADMIN"),)),
    Case("MEMBER", "PRIVATE", (user("VIEWER"), team("WRITER"))),
    Case("VIEWER", "INTERNAL"),
    Case("VIEWER", "PRIVATE", (user("WRITER"),)),
    Case("OUTSIDER", "INTERNAL"),
    Case("OUTSIDER", "PRIVATE", (user("ADMIN"),)),
    Case("OUTSIDER", "PRIVATE", (team("WRITER"),)),
    Case("OUTSIDER", "INTERNAL", (team("VIEWER"),)),
    Case(NON_MEMBER, "PUBLIC"),
    Case(ANONYMOUS, "PUBLIC"),
    Case(ANONYMOUS, "INTERNAL"),
]
CASE_IDS = [case.id for case in CASES]
# The same mutations on an archived project (or, for unarchiving, on an active one): an ADMIN
# through the organization and through a team, a WRITER through the organization and through a
# team, the anonymous reader of a PUBLIC project, and one who cannot read.
OTHER_STATE_CASES = [
    Case("OWNER", "PRIVATE"),
    Case("MEMBER", "PRIVATE", (team("ADMIN"),)),
    Case("MEMBER", "INTERNAL"),
    Case("OUTSIDER", "PRIVATE", (team("WRITER"),)),
    Case(ANONYMOUS, "PUBLIC"),
    Case("MEMBER", "PRIVATE"),
]
OTHER_STATE_IDS = [case.id for case in OTHER_STATE_CASES]


# ---- the scene -----------------------------------------------------------------------------------

STATE = """
query State {
  project(owner: "acme", name: "proj") {
    description
    archivedAt
    promotionSources { name }
    connections(first: 50) { edges { node { name } } }
    access(first: 50) {
      edges { node { role grantee { ... on User { username } ... on Team { name } } } }
    }
    runs(first: 50, sort: "name") { edges { node { name status } } }
  }
  organization(name: "acme") { projects(first: 50, sort: "name") { edges { node { name } } } }
}
"""


@dataclass
class Scene:
    gql: GraphQLClient
    factory: Factory
    founder: Person
    viewer: Person | None  # None: the anonymous viewer
    organization_id: int
    project_id: int
    source_id: int
    run_id: int
    connection_id: int
    grants_on_project: int

    @property
    def organization(self) -> str:
        return global_id("Organization", self.organization_id)

    @property
    def project(self) -> str:
        return global_id("Project", self.project_id)

    @property
    def source(self) -> str:
        return global_id("Project", self.source_id)

    @property
    def run(self) -> str:
        return global_id("Run", self.run_id)

    @property
    def connection(self) -> str:
        return global_id("ExternalConnection", self.connection_id)

    async def mutate(self, document: str, payload: dict[str, Any]) -> dict[str, Any]:
        return await self.gql(document, {"input": payload}, as_=self.viewer)

    async def state(self) -> dict[str, Any]:
        """`proj` as its founder sees it, the organization's project names, every table's size."""
        data = await self.gql.data(STATE, as_=self.founder)
        project = data["project"]
        if project is not None:
            project["archivedAt"] = project["archivedAt"] is not None
            project["access"] = {
                next(iter(edge["node"]["grantee"].values())): edge["node"]["role"]
                for edge in project["access"]["edges"]
            }
            project["runs"] = {
                edge["node"]["name"]: edge["node"]["status"] for edge in project["runs"]["edges"]
            }
            project["connections"] = [e["node"]["name"] for e in project["connections"]["edges"]]
        projects = data["organization"]["projects"]["edges"]
        return {
            "project": project,
            "projects": [edge["node"]["name"] for edge in projects],
            "rows": await self.factory.row_counts(),
        }


async def _add_person(session: AsyncSession, username: str) -> Person:
    token = mint_token()
    row = User(username=username, email=f"{username}@example.org")
    session.add(row)
    await session.flush()
    session.add(
        AccessToken(user_id=row.id, name="test", token_hash=hash_token(token), prefix=token[:12])
    )
    return Person(id=row.id, username=username, token=token)


def _project(organization_id: int, name: str, visibility: str, *, archived: bool) -> Project:
    project = Project(
        organization_id=organization_id,
        name=name,
        visibility=ProjectVisibility(visibility),
        tags=[],
        archived_at=utcnow() if archived else None,
    )
    project.set_features({ProjectFeature.RUNTIME})
    return project


async def make_scene(
    gql: GraphQLClient, factory: Factory, case: Case, *, archived: bool = False
) -> Scene:
    """Everything in one transaction: a case costs its requests, not its set-up."""
    async with factory.sessions() as session, session.begin():
        founder = await _add_person(session, "founder")
        organization = Organization(name=ORG)
        session.add(organization)
        await session.flush()
        session.add(
            OrganizationMember(
                organization_id=organization.id, user_id=founder.id, role=OrganizationRole.OWNER
            )
        )
        project = _project(organization.id, PROJECT, case.visibility, archived=archived)
        source = _project(organization.id, SOURCE, "PUBLIC", archived=False)
        core = Team(organization_id=organization.id, name=TEAM)
        ops = Team(organization_id=organization.id, name=OTHER_TEAM)
        bucket = Connection(
            organization_id=organization.id,
            name=CONNECTION,
            kind=ConnectionKind.S3,
            settings={"bucket": "s3://b"},
        )
        session.add_all([project, source, core, ops, bucket])
        await session.flush()
        run = Run(
            uuid=f"{project.id:032x}",
            project_id=project.id,
            name=RUN,
            status=RunStatus.SUCCEEDED,
            tags=[],
        )
        tara = await _add_person(session, TARGET_NAME)
        session.add_all(
            [
                run,
                OrganizationMember(
                    organization_id=organization.id, user_id=tara.id, role=OrganizationRole.MEMBER
                ),
                ProjectGrant(project_id=project.id, user_id=tara.id, role=ProjectRole.VIEWER),
            ]
        )
        viewer: Person | None = None
        if case.viewer != ANONYMOUS:
            viewer = await _add_person(session, VIEWER_NAME)
            if case.viewer != NON_MEMBER:
                session.add(
                    OrganizationMember(
                        organization_id=organization.id,
                        user_id=viewer.id,
                        role=OrganizationRole(case.viewer),
                    )
                )
        for grant in case.grants:
            assert viewer is not None
            assert case.viewer in ORG_ROLES
            if grant.via == "team":
                session.add(TeamMember(team_id=core.id, user_id=viewer.id, role=TeamRole.MEMBER))
            session.add(
                ProjectGrant(
                    project_id=project.id,
                    user_id=viewer.id if grant.via == "user" else None,
                    team_id=core.id if grant.via == "team" else None,
                    role=ProjectRole(grant.role),
                )
            )
        await session.flush()
        return Scene(
            gql,
            factory,
            founder,
            viewer,
            organization.id,
            project.id,
            source.id,
            run.id,
            bucket.id,
            grants_on_project=1 + len(case.grants),
        )


# ---- mutations as data ---------------------------------------------------------------------------

USER_ERRORS = "userErrors { field code }"


@dataclass(frozen=True)
class Mutation:
    """One mutation on `proj` (or its run): what it asks of the policy and what success does."""

    field: str
    input_type: str
    selection: str
    kind: str
    action: str
    variables: Callable[[Scene], dict[str, Any]]
    # Checks the payload of a success, and turns the state before into the expected state after.
    succeeded: Callable[[Scene, dict[str, Any], dict[str, Any]], None]
    # The archived state in which the service answers INVALID although the policy allows:
    # archiving what is archived (True), unarchiving what is not (False).
    invalid_if_archived_is: bool | None = None
    result: str = "project"  # the payload's object field, null on refusal

    @property
    def document(self) -> str:
        return (
            f"mutation ($input: {self.input_type}!) "
            f"{{ {self.field}(input: $input) {{ {self.selection} {USER_ERRORS} }} }}"
        )

    def outcome(self, case: Case, *, archived: bool) -> str:
        outcome = case.outcome(self.kind, self.action, archived=archived)
        if outcome == OK and self.invalid_if_archived_is is archived:
            return INVALID
        return outcome


def activity(before: dict[str, Any], **rows: int) -> None:
    """Every successful mutation writes one activity row, besides its own rows."""
    for table, change in {"activities": 1, **rows}.items():
        before["rows"][table] += change


def _updated(scene: Scene, payload: dict[str, Any], state: dict[str, Any]) -> None:
    assert payload["project"] == {"name": PROJECT, "description": "Changed"}
    state["project"]["description"] = "Changed"
    activity(state)


def _archived(scene: Scene, payload: dict[str, Any], state: dict[str, Any]) -> None:
    assert payload["project"]["archivedAt"] is not None
    state["project"]["archivedAt"] = True
    activity(state)


def _unarchived(scene: Scene, payload: dict[str, Any], state: dict[str, Any]) -> None:
    assert payload["project"]["archivedAt"] is None
    state["project"]["archivedAt"] = False
    activity(state)


def _deleted(scene: Scene, payload: dict[str, Any], state: dict[str, Any]) -> None:
    assert payload["deletedId"] == scene.project
    state["project"] = None
    state["projects"].remove(PROJECT)
    activity(state, projects=-1, runs=-1, project_grants=-scene.grants_on_project)


def _access_set(scene: Scene, payload: dict[str, Any], state: dict[str, Any]) -> None:
    assert payload["grant"] == {"role": "WRITER", "grantee": {"name": OTHER_TEAM}}
    state["project"]["access"][OTHER_TEAM] = "WRITER"
    activity(state, project_grants=1)


def _access_removed(scene: Scene, payload: dict[str, Any], state: dict[str, Any]) -> None:
    assert payload["grant"] == {"role": "VIEWER", "grantee": {"username": TARGET_NAME}}
    del state["project"]["access"][TARGET_NAME]
    activity(state, project_grants=-1)


def _sources_set(scene: Scene, payload: dict[str, Any], state: dict[str, Any]) -> None:
    # Itself first, always; then the sources set.
    assert payload["project"]["promotionSources"] == [{"name": PROJECT}, {"name": SOURCE}]
    state["project"]["promotionSources"] = [{"name": PROJECT}, {"name": SOURCE}]
    activity(state, promotion_sources=1)


def _connections_set(scene: Scene, payload: dict[str, Any], state: dict[str, Any]) -> None:
    assert payload["project"]["connections"] == {"edges": [{"node": {"name": CONNECTION}}]}
    state["project"]["connections"] = [CONNECTION]
    activity(state, project_connections=1)


def _run_created(scene: Scene, payload: dict[str, Any], state: dict[str, Any]) -> None:
    assert payload["run"] == {"name": "r2", "status": "CREATED", "project": {"name": PROJECT}}
    state["project"]["runs"]["r2"] = "CREATED"
    activity(state, runs=1)


def _run_updated(scene: Scene, payload: dict[str, Any], state: dict[str, Any]) -> None:
    assert payload["run"] == {"name": RUN, "status": "FAILED", "project": {"name": PROJECT}}
    state["project"]["runs"][RUN] = "FAILED"
    activity(state)


def _run_deleted(scene: Scene, payload: dict[str, Any], state: dict[str, Any]) -> None:
    assert payload["deletedId"] == scene.run
    del state["project"]["runs"][RUN]
    activity(state, runs=-1)


GRANT = "grant { role grantee { ... on User { username } ... on Team { name } } }"
RUN_SELECTION = "run { name status project { name } }"

UPDATE_PROJECT = Mutation(
    "updateProject",
    "UpdateProjectInput",
    "project { name description }",
    "project",
    "update",
    lambda s: {"id": s.project, "description": "Changed"},
    _updated,
)
ARCHIVE_PROJECT = Mutation(
    "archiveProject",
    "ProjectIdInput",
    "project { archivedAt }",
    "project",
    "archive",
    lambda s: {"id": s.project},
    _archived,
    invalid_if_archived_is=True,
)
UNARCHIVE_PROJECT = Mutation(
    "unarchiveProject",
    "ProjectIdInput",
    "project { archivedAt }",
    "project",
    "archive",
    lambda s: {"id": s.project},
    _unarchived,
    invalid_if_archived_is=False,
)
DELETE_PROJECT = Mutation(
    "deleteProject",
    "ProjectIdInput",
    "deletedId",
    "project",
    "delete",
    lambda s: {"id": s.project},
    _deleted,
    result="deletedId",
)
SET_PROJECT_ACCESS = Mutation(
    "setProjectAccess",
    "SetProjectAccessInput",
    GRANT,
    "project",
    "manage_access",
    lambda s: {"projectId": s.project, "team": OTHER_TEAM, "role": "WRITER"},
    _access_set,
    result="grant",
)
REMOVE_PROJECT_ACCESS = Mutation(
    "removeProjectAccess",
    "RemoveProjectAccessInput",
    GRANT,
    "project",
    "manage_access",
    lambda s: {"projectId": s.project, "username": TARGET_NAME},
    _access_removed,
    result="grant",
)
SET_PROMOTION_SOURCES = Mutation(
    "setPromotionSources",
    "SetPromotionSourcesInput",
    "project { promotionSources { name } }",
    "project",
    "set_promotion_sources",
    lambda s: {"projectId": s.project, "sourceIds": [s.source]},
    _sources_set,
)
SET_PROJECT_CONNECTIONS = Mutation(
    "setProjectConnections",
    "SetProjectConnectionsInput",
    "project { connections { edges { node { name } } } }",
    "project",
    "set_connections",
    lambda s: {"projectId": s.project, "connectionIds": [s.connection]},
    _connections_set,
)
CREATE_RUN = Mutation(
    "createRun",
    "CreateRunInput",
    RUN_SELECTION,
    "project",
    "create_run",
    lambda s: {"projectId": s.project, "name": "r2"},
    _run_created,
    result="run",
)
UPDATE_RUN = Mutation(
    "updateRun",
    "UpdateRunInput",
    RUN_SELECTION,
    "run",
    "update",
    lambda s: {"id": s.run, "status": "FAILED"},
    _run_updated,
    result="run",
)
DELETE_RUN = Mutation(
    "deleteRun",
    "DeleteRunInput",
    "deletedId",
    "run",
    "delete",
    lambda s: {"id": s.run},
    _run_deleted,
    result="deletedId",
)
MUTATIONS = [
    UPDATE_PROJECT,
    ARCHIVE_PROJECT,
    UNARCHIVE_PROJECT,
    DELETE_PROJECT,
    SET_PROJECT_ACCESS,
    REMOVE_PROJECT_ACCESS,
    SET_PROMOTION_SOURCES,
    SET_PROJECT_CONNECTIONS,
    CREATE_RUN,
    UPDATE_RUN,
    DELETE_RUN,
]


async def check(
    gql: GraphQLClient, factory: Factory, mutation: Mutation, case: Case, *, archived: bool
) -> None:
    scene = await make_scene(gql, factory, case, archived=archived)
    before = await scene.state()
    body = await scene.mutate(mutation.document, mutation.variables(scene))
    outcome = mutation.outcome(case, archived=archived)
    if outcome == OK:
        assert "errors" not in body, body
        payload = body["data"][mutation.field]
        assert payload["userErrors"] == [], payload
        expected = copy.deepcopy(before)
        mutation.succeeded(scene, payload, expected)
        assert await scene.state() == expected
        return
    if outcome == INVALID:
        assert "errors" not in body, body
        payload = body["data"][mutation.field]
        assert payload[mutation.result] is None, payload
        assert [error["code"] for error in payload["userErrors"]] == [INVALID], payload
    else:
        assert error_codes(body) == [outcome], body
        assert body["data"] == {mutation.field: None}
    assert await scene.state() == before


@pytest.mark.parametrize("mutation", MUTATIONS, ids=[m.field for m in MUTATIONS])
def test_the_cases_cover_every_outcome(mutation: Mutation) -> None:
    """The representative viewers meet every way each mutation can answer."""
    normal = mutation is not UNARCHIVE_PROJECT  # unarchiving is tried on archived projects
    seen = {mutation.outcome(case, archived=not normal) for case in CASES}
    assert seen == {OK, FORBIDDEN, NOT_FOUND}
    other = {mutation.outcome(case, archived=normal) for case in OTHER_STATE_CASES}
    if mutation is DELETE_PROJECT:  # deleting an archived project stays possible
        assert other == {OK, FORBIDDEN, NOT_FOUND}
    else:
        assert other == {INVALID, FORBIDDEN, NOT_FOUND}
    roles = {matrix.project_role(c.viewer, c.visibility, c.roles) for c in CASES}
    assert roles == {*matrix.PROJECT_ROLES, None}


# ---- one class per mutation ----------------------------------------------------------------------

CREATE_PROJECT = f"""
mutation ($input: CreateProjectInput!) {{
  createProject(input: $input) {{
    project {{ name fullName visibility viewerRole createdBy {{ username }} }} {USER_ERRORS}
  }}
}}
"""
# (viewer, whether acme owns a PUBLIC project): only then do non-members see acme at all.
CREATORS = [(viewer, False) for viewer in VIEWERS] + [(NON_MEMBER, True), (ANONYMOUS, True)]


class TestCreateProject:
    @pytest.mark.parametrize(
        ("viewer", "public_owner"),
        CREATORS,
        ids=[f"{v}{'+public-projects' if p else ''}" for v, p in CREATORS],
    )
    async def test_matrix(
        self, gql: GraphQLClient, factory: Factory, viewer: str, public_owner: bool
    ) -> None:
        founder = await factory.user("founder")
        organization_id = await factory.organization(ORG, owner=founder)
        person: Person | None = None
        if viewer != ANONYMOUS:
            person = await factory.user(VIEWER_NAME)
            if viewer != NON_MEMBER:
                await factory.member(organization_id, person, OrganizationRole(viewer))
        if public_owner:
            await factory.project(organization_id, SOURCE, visibility=ProjectVisibility.PUBLIC)
        before = await factory.row_counts()
        body = await gql(
            CREATE_PROJECT,
            {
                "input": {
                    "organizationId": global_id("Organization", organization_id),
                    "name": "fresh",
                    "visibility": "INTERNAL",
                }
            },
            as_=person,
        )
        if matrix.organization_allows(viewer, "create_project"):
            assert "errors" not in body, body
            assert body["data"]["createProject"] == {
                "project": {
                    "name": "fresh",
                    "fullName": f"{ORG}/fresh",
                    "visibility": "INTERNAL",
                    "viewerRole": "ADMIN",
                    "createdBy": {"username": VIEWER_NAME},
                },
                "userErrors": [],
            }
            expected = {**before, "projects": before["projects"] + 1}
            expected["activities"] += 1
            assert await factory.row_counts() == expected
        else:
            reads = matrix.organization_allows(viewer, "read", public_owner=public_owner)
            assert error_codes(body) == [FORBIDDEN if reads else NOT_FOUND], body
            assert await factory.row_counts() == before


class TestUpdateProject:
    @pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
    async def test_matrix(self, gql: GraphQLClient, factory: Factory, case: Case) -> None:
        await check(gql, factory, UPDATE_PROJECT, case, archived=False)

    @pytest.mark.parametrize("case", OTHER_STATE_CASES, ids=OTHER_STATE_IDS)
    async def test_archived(self, gql: GraphQLClient, factory: Factory, case: Case) -> None:
        await check(gql, factory, UPDATE_PROJECT, case, archived=True)


class TestArchiveProject:
    @pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
    async def test_matrix(self, gql: GraphQLClient, factory: Factory, case: Case) -> None:
        await check(gql, factory, ARCHIVE_PROJECT, case, archived=False)

    @pytest.mark.parametrize("case", OTHER_STATE_CASES, ids=OTHER_STATE_IDS)
    async def test_already_archived(self, gql: GraphQLClient, factory: Factory, case: Case) -> None:
        await check(gql, factory, ARCHIVE_PROJECT, case, archived=True)


class TestUnarchiveProject:
    @pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
    async def test_matrix(self, gql: GraphQLClient, factory: Factory, case: Case) -> None:
        await check(gql, factory, UNARCHIVE_PROJECT, case, archived=True)

    @pytest.mark.parametrize("case", OTHER_STATE_CASES, ids=OTHER_STATE_IDS)
    async def test_not_archived(self, gql: GraphQLClient, factory: Factory, case: Case) -> None:
        await check(gql, factory, UNARCHIVE_PROJECT, case, archived=False)


class TestDeleteProject:
    @pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
    async def test_matrix(self, gql: GraphQLClient, factory: Factory, case: Case) -> None:
        await check(gql, factory, DELETE_PROJECT, case, archived=False)

    @pytest.mark.parametrize("case", OTHER_STATE_CASES, ids=OTHER_STATE_IDS)
    async def test_archived(self, gql: GraphQLClient, factory: Factory, case: Case) -> None:
        await check(gql, factory, DELETE_PROJECT, case, archived=True)


class TestSetProjectAccess:
    @pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
    async def test_matrix(self, gql: GraphQLClient, factory: Factory, case: Case) -> None:
        await check(gql, factory, SET_PROJECT_ACCESS, case, archived=False)

    @pytest.mark.parametrize("case", OTHER_STATE_CASES, ids=OTHER_STATE_IDS)
    async def test_archived(self, gql: GraphQLClient, factory: Factory, case: Case) -> None:
        await check(gql, factory, SET_PROJECT_ACCESS, case, archived=True)


class TestRemoveProjectAccess:
    @pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
    async def test_matrix(self, gql: GraphQLClient, factory: Factory, case: Case) -> None:
        await check(gql, factory, REMOVE_PROJECT_ACCESS, case, archived=False)

    @pytest.mark.parametrize("case", OTHER_STATE_CASES, ids=OTHER_STATE_IDS)
    async def test_archived(self, gql: GraphQLClient, factory: Factory, case: Case) -> None:
        await check(gql, factory, REMOVE_PROJECT_ACCESS, case, archived=True)


class TestSetPromotionSources:
    @pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
    async def test_matrix(self, gql: GraphQLClient, factory: Factory, case: Case) -> None:
        await check(gql, factory, SET_PROMOTION_SOURCES, case, archived=False)

    @pytest.mark.parametrize("case", OTHER_STATE_CASES, ids=OTHER_STATE_IDS)
    async def test_archived(self, gql: GraphQLClient, factory: Factory, case: Case) -> None:
        await check(gql, factory, SET_PROMOTION_SOURCES, case, archived=True)


class TestSetProjectConnections:
    @pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
    async def test_matrix(self, gql: GraphQLClient, factory: Factory, case: Case) -> None:
        await check(gql, factory, SET_PROJECT_CONNECTIONS, case, archived=False)

    @pytest.mark.parametrize("case", OTHER_STATE_CASES, ids=OTHER_STATE_IDS)
    async def test_archived(self, gql: GraphQLClient, factory: Factory, case: Case) -> None:
        await check(gql, factory, SET_PROJECT_CONNECTIONS, case, archived=True)


class TestCreateRun:
    @pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
    async def test_matrix(self, gql: GraphQLClient, factory: Factory, case: Case) -> None:
        await check(gql, factory, CREATE_RUN, case, archived=False)

    @pytest.mark.parametrize("case", OTHER_STATE_CASES, ids=OTHER_STATE_IDS)
    async def test_archived(self, gql: GraphQLClient, factory: Factory, case: Case) -> None:
        await check(gql, factory, CREATE_RUN, case, archived=True)


class TestUpdateRun:
    @pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
    async def test_matrix(self, gql: GraphQLClient, factory: Factory, case: Case) -> None:
        await check(gql, factory, UPDATE_RUN, case, archived=False)

    @pytest.mark.parametrize("case", OTHER_STATE_CASES, ids=OTHER_STATE_IDS)
    async def test_archived(self, gql: GraphQLClient, factory: Factory, case: Case) -> None:
        await check(gql, factory, UPDATE_RUN, case, archived=True)


class TestDeleteRun:
    @pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
    async def test_matrix(self, gql: GraphQLClient, factory: Factory, case: Case) -> None:
        await check(gql, factory, DELETE_RUN, case, archived=False)

    @pytest.mark.parametrize("case", OTHER_STATE_CASES, ids=OTHER_STATE_IDS)
    async def test_archived(self, gql: GraphQLClient, factory: Factory, case: Case) -> None:
        await check(gql, factory, DELETE_RUN, case, archived=True)


# ---- viewerRole, viewerCan and the access list ---------------------------------------------------

# Every grant combination of the matrix, given to the user or to a team the user is on.
GRANT_COMBINATIONS: list[tuple[Grant, ...]] = [
    (),
    (user("ADMIN"),),
    (team("ADMIN"),),
    (user("WRITER"),),
    (team("WRITER"),),
    (user("VIEWER"),),
    (team("VIEWER"),),
    (user("VIEWER"), team("ADMIN")),
]
PERMISSIONS = {  # ProjectPermissions field -> the policy's project action
    "update": "update",
    "delete": "delete",
    "archive": "archive",
    "manageAccess": "manage_access",
    "createRun": "create_run",
    "promote": "promote",
    "transitionStage": "transition",
    "publishComponent": "publish_component",
    "setConnections": "set_connections",
}
VIEWER_PERMISSIONS = f"""
query ($ids: [ID!]!) {{
  nodes(ids: $ids) {{
    ... on Project {{ name viewerRole viewerCan {{ {" ".join(PERMISSIONS)} }} }}
  }}
}}
"""


@dataclass
class World:
    """`acme` with a project per (visibility, archived) and a viewer per grant combination, each
    holding those grants on every project."""

    projects: dict[str, tuple[str, bool]]  # global id -> (visibility, archived)
    viewers: list[tuple[Person | None, tuple[Grant, ...]]]
    grants_per_project: int


async def make_world(factory: Factory, viewer: str) -> World:
    async with factory.sessions() as session, session.begin():
        founder = await _add_person(session, "founder")
        organization = Organization(name=ORG)
        session.add(organization)
        await session.flush()
        session.add(
            OrganizationMember(
                organization_id=organization.id, user_id=founder.id, role=OrganizationRole.OWNER
            )
        )
        rows = {
            (visibility, archived): _project(
                organization.id,
                f"{visibility.lower()}-{'archived' if archived else 'active'}",
                visibility,
                archived=archived,
            )
            for visibility in matrix.VISIBILITIES
            for archived in (False, True)
        }
        session.add_all(rows.values())
        await session.flush()
        combinations = GRANT_COMBINATIONS if viewer in ORG_ROLES else [()]
        viewers: list[tuple[Person | None, tuple[Grant, ...]]] = []
        grants = 0
        for index, combination in enumerate(combinations):
            if viewer == ANONYMOUS:
                viewers.append((None, combination))
                continue
            person = await _add_person(session, f"v{index}")
            viewers.append((person, combination))
            if viewer != NON_MEMBER:
                session.add(
                    OrganizationMember(
                        organization_id=organization.id,
                        user_id=person.id,
                        role=OrganizationRole(viewer),
                    )
                )
            own_team = Team(organization_id=organization.id, name=f"t{index}")
            session.add(own_team)
            await session.flush()
            for grant in combination:
                if grant.via == "team":
                    session.add(
                        TeamMember(team_id=own_team.id, user_id=person.id, role=TeamRole.MEMBER)
                    )
                grants += 1
                session.add_all(
                    ProjectGrant(
                        project_id=row.id,
                        user_id=person.id if grant.via == "user" else None,
                        team_id=own_team.id if grant.via == "team" else None,
                        role=ProjectRole(grant.role),
                    )
                    for row in rows.values()
                )
        return World(
            {global_id("Project", row.id): key for key, row in rows.items()}, viewers, grants
        )


class TestViewerPermissions:
    """`viewerRole`, `viewerCan` and `access` for every viewer of the matrix: each organization
    role (and none, and anonymous) x visibility x grants x archived."""

    @pytest.mark.parametrize("viewer", VIEWERS)
    async def test_matrix(self, gql: GraphQLClient, factory: Factory, viewer: str) -> None:
        world = await make_world(factory, viewer)
        for person, combination in world.viewers:
            await self._check_permissions(gql, world, viewer, person, combination)
            await self._check_access(gql, world, viewer, person, combination)

    async def _check_permissions(
        self,
        gql: GraphQLClient,
        world: World,
        viewer: str,
        person: Person | None,
        combination: tuple[Grant, ...],
    ) -> None:
        data = await gql.data(VIEWER_PERMISSIONS, {"ids": list(world.projects)}, as_=person)
        for node, (visibility, archived) in zip(
            data["nodes"], world.projects.values(), strict=True
        ):
            case = Case(viewer, visibility, combination)
            where = f"{case.id}-{'archived' if archived else 'active'}"
            if not case.reads():
                assert node is None, where
                continue
            role = matrix.project_role(viewer, visibility, case.roles)
            assert node["viewerRole"] == role, where
            assert node["viewerCan"] == {
                name: case.allows("project", action, archived=archived)
                for name, action in PERMISSIONS.items()
            }, where

    async def _check_access(
        self,
        gql: GraphQLClient,
        world: World,
        viewer: str,
        person: Person | None,
        combination: tuple[Grant, ...],
    ) -> None:
        """Only project admins read the access list (null with FORBIDDEN for other readers, the
        project itself intact), archived or not; for those who cannot read the project, it does
        not exist."""
        aliases = {f"p{i}": gid for i, gid in enumerate(world.projects)}
        fields = " ".join(
            f'{alias}: node(id: "{gid}") {{ ... on Project {{ access {{ totalCount }} }} }}'
            for alias, gid in aliases.items()
        )
        body = await gql(f"query {{ {fields} }}", as_=person)
        refused = {
            error["path"][0]: error["extensions"]["code"] for error in body.get("errors", [])
        }
        for alias, gid in aliases.items():
            visibility, archived = world.projects[gid]
            case = Case(viewer, visibility, combination)
            where = f"{case.id}-{'archived' if archived else 'active'}"
            if case.allows("project", "read_access", archived=archived):
                expected = {"access": {"totalCount": world.grants_per_project}}
                assert body["data"][alias] == expected, where
                assert alias not in refused, where
            elif case.reads():
                assert body["data"][alias] == {"access": None}, where
                assert refused.get(alias) == FORBIDDEN, where
            else:
                assert body["data"][alias] is None, where
                assert alias not in refused, where
