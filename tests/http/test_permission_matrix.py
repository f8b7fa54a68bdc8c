"""The permission matrix end to end: every organization and team mutation, for every viewer.

Each case builds a fresh organization `acme` founded by `founder` (its OWNER), with the viewer
`vic` holding the role under test, and runs one mutation over HTTP as `vic`. The expected outcome
comes from `tests/authz/matrix.py`, the design written down as data:

- allowed: no errors, empty `userErrors`, and the organization (as its founder sees it) changed in
  exactly the intended way;
- denied: a top-level error, and nothing changed (same state, same row counts). The code follows
  authz.md "Not found versus forbidden": FORBIDDEN when the viewer can read the organization or
  team, NOT_FOUND when they cannot. The anonymous viewer cannot read any organization, so they get
  NOT_FOUND too, which does not reveal whether `acme` exists; UNAUTHENTICATED is for mutations
  that need a signed-in user before any object is involved (`createOrganization`).
"""

import copy
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette

from app.main import create_app
from app.organizations.models import OrganizationRole
from app.projects.models import ProjectVisibility
from app.settings import Settings
from app.teams.models import TeamRole
from tests.authz import matrix
from tests.authz.matrix import ANONYMOUS, NON_MEMBER, ORG_ROLES, VIEWERS
from tests.helpers import Factory, GraphQLClient, Person, error_codes, global_id

ORG = "acme"
TEAM = "core"
VIEWER_NAME = "vic"
TARGET_NAME = "tara"  # the member a mutation acts on

CONNECTION_VIEWERS = matrix.connection_viewers()
CONNECTION_VIEWER_IDS = [
    f"{viewer}{'+in-readable-project' if used else ''}" for viewer, used in CONNECTION_VIEWERS
]
TEAM_VIEWERS = matrix.team_viewers()
TEAM_VIEWER_IDS = [f"{viewer}+team:{team_role or '-'}" for viewer, team_role in TEAM_VIEWERS]
# Viewers the policy lets manage members: the granting rules apply to them.
MEMBER_MANAGERS = [role for role in ORG_ROLES if matrix.organization_allows(role, "manage_members")]
GRANTS = [(granter, role) for granter in MEMBER_MANAGERS for role in ORG_ROLES]
GRANT_IDS = [f"{granter}-grants-{role}" for granter, role in GRANTS]

STATE = """
query State($name: String!) {
  organization(name: $name) {
    displayName
    description
    members(first: 50) { edges { node { role user { username } } } }
    connections(first: 50) { edges { node { name description settings } } }
    teams(first: 20) {
      edges {
        node {
          name
          description
          members(first: 50) { edges { node { role user { username } } } }
        }
      }
    }
  }
}
"""

USER_ERRORS = "userErrors { field code }"


@pytest.fixture(scope="module")
def app(settings: Settings, engine: AsyncEngine) -> Starlette:
    """One app for this module's ~200 cases: it keeps nothing between requests but the policy's
    cached decisions and its metrics, and building it is a good part of a case's cost."""
    return create_app(settings, engine=engine)


def _members(connection: dict[str, Any]) -> dict[str, str]:
    return {edge["node"]["user"]["username"]: edge["node"]["role"] for edge in connection["edges"]}


@dataclass
class Scene:
    """One organization, the people in it, and the viewer under test."""

    gql: GraphQLClient
    factory: Factory
    organization_id: int
    founder: Person
    viewer: Person | None  # None: the anonymous viewer
    team_id: int | None = None

    @property
    def organization(self) -> str:
        return global_id("Organization", self.organization_id)

    @property
    def team(self) -> str:
        assert self.team_id is not None
        return global_id("Team", self.team_id)

    async def run(self, mutation: str, payload: dict[str, Any]) -> dict[str, Any]:
        return await self.gql(mutation, {"input": payload}, as_=self.viewer)

    async def state(self, *, seen_by: Person | None = None) -> dict[str, Any]:
        """What the organization looks like to `seen_by` (the founder), plus every table's size."""
        data = await self.gql.data(STATE, {"name": ORG}, as_=seen_by or self.founder)
        rows = await self.factory.row_counts()
        organization = data["organization"]
        if organization is None:
            return {"organization": None, "rows": rows}
        teams = {
            edge["node"]["name"]: {
                "description": edge["node"]["description"],
                "members": _members(edge["node"]["members"]),
            }
            for edge in organization["teams"]["edges"]
        }
        connections = {
            edge["node"]["name"]: {
                "description": edge["node"]["description"],
                "settings": edge["node"]["settings"],
            }
            for edge in organization["connections"]["edges"]
        }
        return {
            "organization": {
                "displayName": organization["displayName"],
                "description": organization["description"],
                "members": _members(organization["members"]),
                "teams": teams,
                "connections": connections,
            },
            "rows": rows,
        }


async def make_scene(
    gql: GraphQLClient,
    factory: Factory,
    viewer: str,
    *,
    team_role: str | None = None,
    with_team: bool = False,
    target: str | None = None,
    target_team_role: str | None = None,
) -> Scene:
    """`acme` with `founder` as OWNER and `vic` as `viewer` (a role, NON_MEMBER or ANONYMOUS).

    `with_team` adds the team `core` (`vic` on it as `team_role`, if given); `target` adds `tara`
    with that organization role (on `core` as `target_team_role`, if given).
    """
    founder = await factory.user("founder")
    organization_id = await factory.organization(ORG, owner=founder)
    person: Person | None = None
    if viewer != ANONYMOUS:
        person = await factory.user(VIEWER_NAME)
        if viewer != NON_MEMBER:
            await factory.member(organization_id, person, OrganizationRole(viewer))
    scene = Scene(gql, factory, organization_id, founder, None if viewer == ANONYMOUS else person)
    if with_team or team_role is not None or target_team_role is not None:
        scene.team_id = await factory.team(organization_id, TEAM)
        if team_role is not None:
            assert person is not None
            await factory.team_member(scene.team_id, person, TeamRole(team_role))
    if target is not None:
        tara = await factory.user(TARGET_NAME)
        await factory.member(organization_id, tara, OrganizationRole(target))
        if target_team_role is not None:
            assert scene.team_id is not None
            await factory.team_member(scene.team_id, tara, TeamRole(target_team_role))
    return scene


def denial_code(may_read: bool) -> str:
    """authz.md: what the viewer may not read does not exist for them."""
    return "FORBIDDEN" if may_read else "NOT_FOUND"


def assert_succeeded(body: dict[str, Any], field: str) -> dict[str, Any]:
    assert "errors" not in body, body
    payload: dict[str, Any] = body["data"][field]
    assert payload["userErrors"] == []
    return payload


async def assert_refused(
    scene: Scene, body: dict[str, Any], code: str, before: dict[str, Any]
) -> None:
    assert error_codes(body) == [code], body
    # Payloads are nullable: the refused mutation alone is null.
    assert body["data"] is not None
    assert set(body["data"].values()) == {None}, body
    assert await scene.state() == before


def with_rows(state: dict[str, Any], **changes: int) -> dict[str, Any]:
    """A deep copy of `state` after one successful mutation: the given row-count changes, plus
    the one activity row every successful mutation writes."""
    expected = copy.deepcopy(state)
    changes = {"activities": 1, **changes}
    for table, change in changes.items():
        expected["rows"][table] += change
    return expected


# ---- organizations ------------------------------------------------------------------------------

CREATE_ORGANIZATION = f"""
mutation ($input: CreateOrganizationInput!) {{
  createOrganization(input: $input) {{ organization {{ name viewerRole }} {USER_ERRORS} }}
}}
"""


class TestCreateOrganization:
    async def test_any_signed_in_user_creates_one_and_owns_it(
        self, gql: GraphQLClient, factory: Factory
    ) -> None:
        ada = await factory.user("ada")
        body = await gql(CREATE_ORGANIZATION, {"input": {"name": "lab"}}, as_=ada)
        payload = assert_succeeded(body, "createOrganization")
        assert payload["organization"] == {"name": "lab", "viewerRole": "OWNER"}

    async def test_anonymous_viewer_must_sign_in(
        self, gql: GraphQLClient, factory: Factory
    ) -> None:
        before = await factory.row_counts()
        body = await gql(CREATE_ORGANIZATION, {"input": {"name": "lab"}})
        assert error_codes(body) == ["UNAUTHENTICATED"]
        assert await factory.row_counts() == before


UPDATE_ORGANIZATION = f"""
mutation ($input: UpdateOrganizationInput!) {{
  updateOrganization(input: $input) {{ organization {{ displayName }} {USER_ERRORS} }}
}}
"""


class TestUpdateOrganization:
    @pytest.mark.parametrize("viewer", VIEWERS)
    async def test_matrix(self, gql: GraphQLClient, factory: Factory, viewer: str) -> None:
        scene = await make_scene(gql, factory, viewer)
        before = await scene.state()
        body = await scene.run(
            UPDATE_ORGANIZATION, {"id": scene.organization, "displayName": "Acme Labs"}
        )
        if matrix.organization_allows(viewer, "update"):
            payload = assert_succeeded(body, "updateOrganization")
            assert payload["organization"] == {"displayName": "Acme Labs"}
            expected = with_rows(before)
            expected["organization"]["displayName"] = "Acme Labs"
            assert await scene.state() == expected
        else:
            code = denial_code(matrix.organization_allows(viewer, "read"))
            await assert_refused(scene, body, code, before)


DELETE_ORGANIZATION = f"""
mutation ($input: DeleteOrganizationInput!) {{
  deleteOrganization(input: $input) {{ deletedId {USER_ERRORS} }}
}}
"""


class TestDeleteOrganization:
    @pytest.mark.parametrize("viewer", VIEWERS)
    async def test_matrix(self, gql: GraphQLClient, factory: Factory, viewer: str) -> None:
        scene = await make_scene(gql, factory, viewer)
        before = await scene.state()
        body = await scene.run(DELETE_ORGANIZATION, {"id": scene.organization, "confirmName": ORG})
        if matrix.organization_allows(viewer, "delete"):
            payload = assert_succeeded(body, "deleteOrganization")
            assert payload["deletedId"] == scene.organization
            after = await scene.state()
            assert after["organization"] is None
            assert after["rows"]["organizations"] == before["rows"]["organizations"] - 1
            assert after["rows"]["organization_members"] == 0
        else:
            code = denial_code(matrix.organization_allows(viewer, "read"))
            await assert_refused(scene, body, code, before)

    async def test_owner_must_type_the_name(self, gql: GraphQLClient, factory: Factory) -> None:
        scene = await make_scene(gql, factory, "OWNER")
        before = await scene.state()
        body = await scene.run(
            DELETE_ORGANIZATION, {"id": scene.organization, "confirmName": "acme-inc"}
        )
        assert "errors" not in body, body
        assert body["data"]["deleteOrganization"] == {
            "deletedId": None,
            "userErrors": [{"field": "confirmName", "code": "INVALID"}],
        }
        assert await scene.state() == before


MEMBER_PAYLOAD = f"member {{ role user {{ username }} }} {USER_ERRORS}"
ADD_ORGANIZATION_MEMBER = f"""
mutation ($input: OrganizationMemberInput!) {{
  addOrganizationMember(input: $input) {{ {MEMBER_PAYLOAD} }}
}}
"""


class TestAddOrganizationMember:
    async def _check(self, scene: Scene, allowed: bool, role: str, may_read: bool) -> None:
        await scene.factory.user("newbie")
        before = await scene.state()
        body = await scene.run(
            ADD_ORGANIZATION_MEMBER,
            {"organizationId": scene.organization, "username": "newbie", "role": role},
        )
        if allowed:
            payload = assert_succeeded(body, "addOrganizationMember")
            assert payload["member"] == {"role": role, "user": {"username": "newbie"}}
            expected = with_rows(before, organization_members=1)
            expected["organization"]["members"]["newbie"] = role
            assert await scene.state() == expected
        else:
            await assert_refused(scene, body, denial_code(may_read), before)

    @pytest.mark.parametrize("viewer", VIEWERS)
    async def test_matrix(self, gql: GraphQLClient, factory: Factory, viewer: str) -> None:
        scene = await make_scene(gql, factory, viewer)
        allowed = matrix.organization_allows(viewer, "manage_members") and matrix.may_grant(
            viewer, "MEMBER"
        )
        await self._check(scene, allowed, "MEMBER", matrix.organization_allows(viewer, "read"))

    @pytest.mark.parametrize(("granter", "role"), GRANTS, ids=GRANT_IDS)
    async def test_grants_only_at_or_below_own_role(
        self, gql: GraphQLClient, factory: Factory, granter: str, role: str
    ) -> None:
        scene = await make_scene(gql, factory, granter)
        await self._check(scene, matrix.may_grant(granter, role), role, may_read=True)


UPDATE_ORGANIZATION_MEMBER_ROLE = f"""
mutation ($input: OrganizationMemberInput!) {{
  updateOrganizationMemberRole(input: $input) {{ {MEMBER_PAYLOAD} }}
}}
"""
# (granter, the target's role, the new role): changing a role needs both at or below one's own.
ROLE_CHANGES = [
    (granter, current, new)
    for granter in MEMBER_MANAGERS
    for current, new in [
        *((role, "MEMBER") for role in ORG_ROLES if role != "MEMBER"),
        *(("MEMBER", role) for role in ORG_ROLES if role != "MEMBER"),
    ]
]


class TestUpdateOrganizationMemberRole:
    async def _check(
        self, scene: Scene, allowed: bool, current: str, new: str, may_read: bool
    ) -> None:
        before = await scene.state()
        body = await scene.run(
            UPDATE_ORGANIZATION_MEMBER_ROLE,
            {"organizationId": scene.organization, "username": TARGET_NAME, "role": new},
        )
        if allowed:
            payload = assert_succeeded(body, "updateOrganizationMemberRole")
            assert payload["member"] == {"role": new, "user": {"username": TARGET_NAME}}
            expected = with_rows(before)
            expected["organization"]["members"][TARGET_NAME] = new
            assert await scene.state() == expected
        else:
            assert before["organization"]["members"][TARGET_NAME] == current
            await assert_refused(scene, body, denial_code(may_read), before)

    @pytest.mark.parametrize("viewer", VIEWERS)
    async def test_matrix(self, gql: GraphQLClient, factory: Factory, viewer: str) -> None:
        scene = await make_scene(gql, factory, viewer, target="MEMBER")
        allowed = (
            matrix.organization_allows(viewer, "manage_members")
            and matrix.may_grant(viewer, "MEMBER")
            and matrix.may_grant(viewer, "VIEWER")
        )
        may_read = matrix.organization_allows(viewer, "read")
        await self._check(scene, allowed, "MEMBER", "VIEWER", may_read)

    @pytest.mark.parametrize(
        ("granter", "current", "new"),
        ROLE_CHANGES,
        ids=[f"{granter}-changes-{current}-to-{new}" for granter, current, new in ROLE_CHANGES],
    )
    async def test_changes_only_roles_at_or_below_own(
        self, gql: GraphQLClient, factory: Factory, granter: str, current: str, new: str
    ) -> None:
        scene = await make_scene(gql, factory, granter, target=current)
        allowed = matrix.may_grant(granter, current) and matrix.may_grant(granter, new)
        await self._check(scene, allowed, current, new, may_read=True)

    async def test_sole_owner_cannot_step_down(self, gql: GraphQLClient, factory: Factory) -> None:
        scene = await make_scene(gql, factory, "MEMBER")
        scene.viewer = scene.founder
        before = await scene.state()
        body = await scene.run(
            UPDATE_ORGANIZATION_MEMBER_ROLE,
            {"organizationId": scene.organization, "username": "founder", "role": "MANAGER"},
        )
        assert "errors" not in body, body
        assert body["data"]["updateOrganizationMemberRole"] == {
            "member": None,
            "userErrors": [{"field": "username", "code": "LAST_OWNER"}],
        }
        assert await scene.state() == before

    async def test_an_owner_steps_down_while_another_remains(
        self, gql: GraphQLClient, factory: Factory
    ) -> None:
        scene = await make_scene(gql, factory, "OWNER")
        scene.viewer = scene.founder
        before = await scene.state()
        body = await scene.run(
            UPDATE_ORGANIZATION_MEMBER_ROLE,
            {"organizationId": scene.organization, "username": "founder", "role": "MANAGER"},
        )
        payload = assert_succeeded(body, "updateOrganizationMemberRole")
        assert payload["member"] == {"role": "MANAGER", "user": {"username": "founder"}}
        expected = with_rows(before)
        expected["organization"]["members"]["founder"] = "MANAGER"
        assert await scene.state() == expected


REMOVE_ORGANIZATION_MEMBER = f"""
mutation ($input: RemoveOrganizationMemberInput!) {{
  removeOrganizationMember(input: $input) {{ {MEMBER_PAYLOAD} }}
}}
"""
LEAVERS = [viewer for viewer in VIEWERS if viewer != ANONYMOUS]  # the anonymous are no one


class TestRemoveOrganizationMember:
    async def _check(self, scene: Scene, allowed: bool, role: str, may_read: bool) -> None:
        before = await scene.state()
        body = await scene.run(
            REMOVE_ORGANIZATION_MEMBER,
            {"organizationId": scene.organization, "username": TARGET_NAME},
        )
        if allowed:
            payload = assert_succeeded(body, "removeOrganizationMember")
            assert payload["member"] == {"role": role, "user": {"username": TARGET_NAME}}
            # Leaving the organization means leaving its teams too.
            expected = with_rows(before, organization_members=-1, team_members=-1)
            del expected["organization"]["members"][TARGET_NAME]
            del expected["organization"]["teams"][TEAM]["members"][TARGET_NAME]
            assert await scene.state() == expected
        else:
            await assert_refused(scene, body, denial_code(may_read), before)

    @pytest.mark.parametrize("viewer", VIEWERS)
    async def test_matrix(self, gql: GraphQLClient, factory: Factory, viewer: str) -> None:
        scene = await make_scene(gql, factory, viewer, target="MEMBER", target_team_role="MEMBER")
        allowed = matrix.organization_allows(viewer, "manage_members") and matrix.may_grant(
            viewer, "MEMBER"
        )
        await self._check(scene, allowed, "MEMBER", matrix.organization_allows(viewer, "read"))

    @pytest.mark.parametrize(
        ("remover", "role"), GRANTS, ids=[f"{remover}-removes-{role}" for remover, role in GRANTS]
    )
    async def test_removes_only_roles_at_or_below_own(
        self, gql: GraphQLClient, factory: Factory, remover: str, role: str
    ) -> None:
        scene = await make_scene(gql, factory, remover, target=role, target_team_role="MEMBER")
        await self._check(scene, matrix.may_grant(remover, role), role, may_read=True)

    @pytest.mark.parametrize("viewer", LEAVERS)
    async def test_leave(self, gql: GraphQLClient, factory: Factory, viewer: str) -> None:
        scene = await make_scene(gql, factory, viewer)
        assert scene.viewer is not None
        before = await scene.state()
        body = await scene.run(
            REMOVE_ORGANIZATION_MEMBER,
            {"organizationId": scene.organization, "username": VIEWER_NAME},
        )
        if matrix.organization_allows(viewer, "leave"):
            payload = assert_succeeded(body, "removeOrganizationMember")
            assert payload["member"] == {"role": viewer, "user": {"username": VIEWER_NAME}}
            expected = with_rows(before, organization_members=-1)
            del expected["organization"]["members"][VIEWER_NAME]
            assert await scene.state() == expected
            # Having left, the organization no longer exists for them.
            assert (await scene.state(seen_by=scene.viewer))["organization"] is None
        else:
            code = denial_code(matrix.organization_allows(viewer, "read"))
            await assert_refused(scene, body, code, before)

    async def test_sole_owner_cannot_leave(self, gql: GraphQLClient, factory: Factory) -> None:
        scene = await make_scene(gql, factory, "MANAGER")
        scene.viewer = scene.founder
        before = await scene.state()
        body = await scene.run(
            REMOVE_ORGANIZATION_MEMBER,
            {"organizationId": scene.organization, "username": "founder"},
        )
        assert "errors" not in body, body
        assert body["data"]["removeOrganizationMember"] == {
            "member": None,
            "userErrors": [{"field": "username", "code": "LAST_OWNER"}],
        }
        assert await scene.state() == before

    async def test_an_owner_leaves_while_another_remains(
        self, gql: GraphQLClient, factory: Factory
    ) -> None:
        scene = await make_scene(gql, factory, "OWNER")
        other_owner, scene.viewer = scene.viewer, scene.founder
        assert other_owner is not None
        before = await scene.state(seen_by=other_owner)
        body = await scene.run(
            REMOVE_ORGANIZATION_MEMBER,
            {"organizationId": scene.organization, "username": "founder"},
        )
        assert_succeeded(body, "removeOrganizationMember")
        expected = with_rows(before, organization_members=-1)
        del expected["organization"]["members"]["founder"]
        assert await scene.state(seen_by=other_owner) == expected


# ---- teams --------------------------------------------------------------------------------------

TEAM_PAYLOAD = f"team {{ name description }} {USER_ERRORS}"
CREATE_TEAM = f"""
mutation ($input: CreateTeamInput!) {{ createTeam(input: $input) {{ {TEAM_PAYLOAD} }} }}
"""


class TestCreateTeam:
    @pytest.mark.parametrize("viewer", VIEWERS)
    async def test_matrix(self, gql: GraphQLClient, factory: Factory, viewer: str) -> None:
        scene = await make_scene(gql, factory, viewer)
        before = await scene.state()
        body = await scene.run(
            CREATE_TEAM,
            {"organizationId": scene.organization, "name": "platform", "description": "Infra"},
        )
        if matrix.organization_allows(viewer, "manage_teams"):
            payload = assert_succeeded(body, "createTeam")
            assert payload["team"] == {"name": "platform", "description": "Infra"}
            expected = with_rows(before, teams=1)
            expected["organization"]["teams"]["platform"] = {"description": "Infra", "members": {}}
            assert await scene.state() == expected
        else:
            code = denial_code(matrix.organization_allows(viewer, "read"))
            await assert_refused(scene, body, code, before)


def team_denial_code(viewer: str, team_role: str | None) -> str:
    return denial_code(matrix.team_allows(viewer, team_role, "read"))


UPDATE_TEAM = f"""
mutation ($input: UpdateTeamInput!) {{ updateTeam(input: $input) {{ {TEAM_PAYLOAD} }} }}
"""


class TestUpdateTeam:
    @pytest.mark.parametrize(("viewer", "team_role"), TEAM_VIEWERS, ids=TEAM_VIEWER_IDS)
    async def test_matrix(
        self, gql: GraphQLClient, factory: Factory, viewer: str, team_role: str | None
    ) -> None:
        scene = await make_scene(gql, factory, viewer, team_role=team_role, with_team=True)
        before = await scene.state()
        body = await scene.run(UPDATE_TEAM, {"id": scene.team, "description": "The core team"})
        if matrix.team_allows(viewer, team_role, "update"):
            payload = assert_succeeded(body, "updateTeam")
            assert payload["team"] == {"name": TEAM, "description": "The core team"}
            expected = with_rows(before)
            expected["organization"]["teams"][TEAM]["description"] = "The core team"
            assert await scene.state() == expected
        else:
            await assert_refused(scene, body, team_denial_code(viewer, team_role), before)


DELETE_TEAM = f"""
mutation ($input: DeleteTeamInput!) {{ deleteTeam(input: $input) {{ deletedId {USER_ERRORS} }} }}
"""


class TestDeleteTeam:
    @pytest.mark.parametrize(("viewer", "team_role"), TEAM_VIEWERS, ids=TEAM_VIEWER_IDS)
    async def test_matrix(
        self, gql: GraphQLClient, factory: Factory, viewer: str, team_role: str | None
    ) -> None:
        scene = await make_scene(gql, factory, viewer, team_role=team_role, with_team=True)
        before = await scene.state()
        body = await scene.run(DELETE_TEAM, {"id": scene.team})
        if matrix.team_allows(viewer, team_role, "delete"):
            payload = assert_succeeded(body, "deleteTeam")
            assert payload["deletedId"] == scene.team
            # The team goes with its memberships; its members stay in the organization.
            expected = with_rows(before, teams=-1, team_members=-(team_role is not None))
            del expected["organization"]["teams"][TEAM]
            assert await scene.state() == expected
        else:
            await assert_refused(scene, body, team_denial_code(viewer, team_role), before)


TEAM_MEMBER_PAYLOAD = f"member {{ role user {{ username }} }} {USER_ERRORS}"
ADD_TEAM_MEMBER = f"""
mutation ($input: TeamMemberInput!) {{ addTeamMember(input: $input) {{ {TEAM_MEMBER_PAYLOAD} }} }}
"""


class TestAddTeamMember:
    @pytest.mark.parametrize(("viewer", "team_role"), TEAM_VIEWERS, ids=TEAM_VIEWER_IDS)
    async def test_matrix(
        self, gql: GraphQLClient, factory: Factory, viewer: str, team_role: str | None
    ) -> None:
        scene = await make_scene(
            gql, factory, viewer, team_role=team_role, with_team=True, target="MEMBER"
        )
        before = await scene.state()
        body = await scene.run(ADD_TEAM_MEMBER, {"teamId": scene.team, "username": TARGET_NAME})
        if matrix.team_allows(viewer, team_role, "manage_members"):
            payload = assert_succeeded(body, "addTeamMember")
            assert payload["member"] == {"role": "MEMBER", "user": {"username": TARGET_NAME}}
            expected = with_rows(before, team_members=1)
            expected["organization"]["teams"][TEAM]["members"][TARGET_NAME] = "MEMBER"
            assert await scene.state() == expected
        else:
            await assert_refused(scene, body, team_denial_code(viewer, team_role), before)

    async def test_maintaining_another_team_gives_nothing_here(
        self, gql: GraphQLClient, factory: Factory
    ) -> None:
        scene = await make_scene(gql, factory, "MEMBER", with_team=True, target="MEMBER")
        assert scene.viewer is not None
        other_team = await factory.team(scene.organization_id, "other")
        await factory.team_member(other_team, scene.viewer, TeamRole.MAINTAINER)
        before = await scene.state()
        body = await scene.run(ADD_TEAM_MEMBER, {"teamId": scene.team, "username": TARGET_NAME})
        await assert_refused(scene, body, "FORBIDDEN", before)


UPDATE_TEAM_MEMBER_ROLE = f"""
mutation ($input: TeamMemberInput!) {{
  updateTeamMemberRole(input: $input) {{ {TEAM_MEMBER_PAYLOAD} }}
}}
"""


class TestUpdateTeamMemberRole:
    @pytest.mark.parametrize(("viewer", "team_role"), TEAM_VIEWERS, ids=TEAM_VIEWER_IDS)
    async def test_matrix(
        self, gql: GraphQLClient, factory: Factory, viewer: str, team_role: str | None
    ) -> None:
        scene = await make_scene(
            gql, factory, viewer, team_role=team_role, target="MEMBER", target_team_role="MEMBER"
        )
        before = await scene.state()
        body = await scene.run(
            UPDATE_TEAM_MEMBER_ROLE,
            {"teamId": scene.team, "username": TARGET_NAME, "role": "MAINTAINER"},
        )
        if matrix.team_allows(viewer, team_role, "manage_members"):
            payload = assert_succeeded(body, "updateTeamMemberRole")
            assert payload["member"] == {"role": "MAINTAINER", "user": {"username": TARGET_NAME}}
            expected = with_rows(before)
            expected["organization"]["teams"][TEAM]["members"][TARGET_NAME] = "MAINTAINER"
            assert await scene.state() == expected
        else:
            await assert_refused(scene, body, team_denial_code(viewer, team_role), before)


REMOVE_TEAM_MEMBER = f"""
mutation ($input: RemoveTeamMemberInput!) {{
  removeTeamMember(input: $input) {{ {TEAM_MEMBER_PAYLOAD} }}
}}
"""


class TestRemoveTeamMember:
    @pytest.mark.parametrize(("viewer", "team_role"), TEAM_VIEWERS, ids=TEAM_VIEWER_IDS)
    async def test_matrix(
        self, gql: GraphQLClient, factory: Factory, viewer: str, team_role: str | None
    ) -> None:
        scene = await make_scene(
            gql, factory, viewer, team_role=team_role, target="MEMBER", target_team_role="MEMBER"
        )
        before = await scene.state()
        body = await scene.run(REMOVE_TEAM_MEMBER, {"teamId": scene.team, "username": TARGET_NAME})
        if matrix.team_allows(viewer, team_role, "manage_members"):
            payload = assert_succeeded(body, "removeTeamMember")
            assert payload["member"] == {"role": "MEMBER", "user": {"username": TARGET_NAME}}
            expected = with_rows(before, team_members=-1)
            del expected["organization"]["teams"][TEAM]["members"][TARGET_NAME]
            assert await scene.state() == expected
        else:
            await assert_refused(scene, body, team_denial_code(viewer, team_role), before)


# ---- connections --------------------------------------------------------------------------------

CONNECTION = "bucket"
CONNECTION_PAYLOAD = f"connection {{ name description settings }} {USER_ERRORS}"
CREATE_CONNECTION = f"""
mutation ($input: CreateConnectionInput!) {{
  createConnection(input: $input) {{ {CONNECTION_PAYLOAD} }}
}}
"""


class TestCreateConnection:
    @pytest.mark.parametrize("viewer", VIEWERS)
    async def test_matrix(self, gql: GraphQLClient, factory: Factory, viewer: str) -> None:
        scene = await make_scene(gql, factory, viewer)
        before = await scene.state()
        body = await scene.run(
            CREATE_CONNECTION,
            {
                "organizationId": scene.organization,
                "name": "models",
                "kind": "GCS",
                "description": "Trained models",
                "settings": {"bucket": "gs://models"},
            },
        )
        if matrix.organization_allows(viewer, "manage_connections"):
            payload = assert_succeeded(body, "createConnection")
            created = {"description": "Trained models", "settings": {"bucket": "gs://models"}}
            assert payload["connection"] == {"name": "models", **created}
            expected = with_rows(before, connections=1)
            expected["organization"]["connections"]["models"] = created
            assert await scene.state() == expected
        else:
            code = denial_code(matrix.organization_allows(viewer, "read"))
            await assert_refused(scene, body, code, before)


async def connection_scene(
    gql: GraphQLClient, factory: Factory, viewer: str, *, in_readable_project: bool
) -> tuple[Scene, str]:
    """`acme` with the connection `bucket`; when `in_readable_project`, a PUBLIC project that
    may use it (so anyone reads it)."""
    scene = await make_scene(gql, factory, viewer)
    projects: tuple[int, ...] = ()
    if in_readable_project:
        projects = (
            await factory.project(
                scene.organization_id, "open", visibility=ProjectVisibility.PUBLIC
            ),
        )
    connection = await factory.connection(
        scene.organization_id, CONNECTION, settings={"bucket": "s3://b"}, projects=projects
    )
    return scene, global_id("ExternalConnection", connection)


UPDATE_CONNECTION = f"""
mutation ($input: UpdateConnectionInput!) {{
  updateConnection(input: $input) {{ {CONNECTION_PAYLOAD} }}
}}
"""


class TestUpdateConnection:
    @pytest.mark.parametrize(("viewer", "used"), CONNECTION_VIEWERS, ids=CONNECTION_VIEWER_IDS)
    async def test_matrix(
        self, gql: GraphQLClient, factory: Factory, viewer: str, used: bool
    ) -> None:
        scene, connection = await connection_scene(gql, factory, viewer, in_readable_project=used)
        before = await scene.state()
        body = await scene.run(UPDATE_CONNECTION, {"id": connection, "description": "Raw data"})
        if matrix.connection_allows(viewer, used, "update"):
            payload = assert_succeeded(body, "updateConnection")
            assert payload["connection"]["description"] == "Raw data"
            expected = with_rows(before)
            expected["organization"]["connections"][CONNECTION]["description"] = "Raw data"
            assert await scene.state() == expected
        else:
            code = denial_code(matrix.connection_allows(viewer, used, "read"))
            await assert_refused(scene, body, code, before)


DELETE_CONNECTION = f"""
mutation ($input: DeleteConnectionInput!) {{
  deleteConnection(input: $input) {{ deletedId {USER_ERRORS} }}
}}
"""


class TestDeleteConnection:
    @pytest.mark.parametrize(("viewer", "used"), CONNECTION_VIEWERS, ids=CONNECTION_VIEWER_IDS)
    async def test_matrix(
        self, gql: GraphQLClient, factory: Factory, viewer: str, used: bool
    ) -> None:
        scene, connection = await connection_scene(gql, factory, viewer, in_readable_project=used)
        before = await scene.state()
        body = await scene.run(DELETE_CONNECTION, {"id": connection})
        if matrix.connection_allows(viewer, used, "delete"):
            payload = assert_succeeded(body, "deleteConnection")
            assert payload["deletedId"] == connection
            # With its link to the project that could use it, and an activity row for that
            # project besides the organization's.
            expected = with_rows(
                before, connections=-1, project_connections=-used, activities=1 + used
            )
            del expected["organization"]["connections"][CONNECTION]
            assert await scene.state() == expected
        else:
            code = denial_code(matrix.connection_allows(viewer, used, "read"))
            await assert_refused(scene, body, code, before)
