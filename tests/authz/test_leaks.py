"""What the API must not let slip, as a frontend would notice it (authz.md, "Decisions of
2026-11-30"; they override anything above them in that document):

- "The activity feed says no more than the objects do": the details of `project.access_set` and
  `project.access_removed` (who got which role) only for those who may read `project.access`;
  `project.promotion_sources_set` names only the sources the viewer may read, and counts nothing
  else (`TestActivityDetails`).
- "No oracles": a mutation by a viewer who may not act on the target answers the same whatever
  username the input names (`TestNoMembershipOracle`).
- "Lineage walks stop at runs the viewer cannot read; they never pass through them"
  (`TestLineageStopsAtUnreadableRuns`, in `test_leaks_lineage_and_organizations.py`).
- "Organizations seen from outside (via a PUBLIC project): name and display name only"
  (`TestOrganizationsSeenFromOutside`, in `test_leaks_lineage_and_organizations.py`).

The refusing halves fail until the fixes land; the allowing halves (an admin still reads the
grants, a member still reads the organization) hold today and must keep holding.
"""

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette

from app.main import create_app
from app.organizations.models import OrganizationRole
from app.projects.models import ProjectFeature, ProjectRole, ProjectVisibility
from app.settings import Settings
from app.teams.models import TeamRole
from tests.helpers import Factory, GraphQLClient, Person, global_id

ORG = "acme"


@pytest.fixture(scope="module")
def app(settings: Settings, engine: AsyncEngine) -> Starlette:
    """One app for the module (it keeps nothing between requests but cached policy decisions)."""
    return create_app(settings, engine=engine)


async def succeed(
    gql: GraphQLClient, field: str, input_type: str, values: dict[str, Any], as_: Person
) -> None:
    """Run a mutation that must succeed (no errors, no userErrors)."""
    data = await gql.data(
        f"mutation ($input: {input_type}!) {{ {field}(input: $input) "
        "{ userErrors { field code message } } }",
        {"input": values},
        as_=as_,
    )
    assert data[field]["userErrors"] == [], data


# ---- 1. activity details ------------------------------------------------------------------------

ACTIVITY = """
query ($name: String!, $verbs: [String!]) {
  organization(name: $name) {
    activity(first: 50, filter: {verbs: $verbs}) {
      totalCount
      edges { node { id verb details actor { username } } }
    }
  }
}
"""
ACTIVITY_NODE = """
query ($id: ID!) { node(id: $id) { ... on Activity { id verb details actor { username } } } }
"""
ACCESS_VERBS = ["project.access_set", "project.access_removed"]


async def activity_nodes(
    gql: GraphQLClient, viewer: Person | None, verbs: list[str]
) -> list[dict[str, Any]]:
    """The viewer's activity of these verbs in `acme`, read from the feed and, one by one, through
    `node(id:)`; both must say the same."""
    data = await gql.data(ACTIVITY, {"name": ORG, "verbs": verbs}, as_=viewer)
    assert data["organization"] is not None
    connection = data["organization"]["activity"]
    assert connection["totalCount"] == len(connection["edges"])
    listed = [edge["node"] for edge in connection["edges"]]
    for node in listed:
        by_id = await gql.data(ACTIVITY_NODE, {"id": node["id"]}, as_=viewer)
        assert by_id["node"] == node
    return listed


def shapes(nodes: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(verb, details as sorted JSON) for each node, sorted: order-free comparison."""
    return sorted((node["verb"], json.dumps(node["details"], sort_keys=True)) for node in nodes)


@dataclass
class Acme:
    founder: Person
    organization_id: int
    projects: dict[str, int]
    core_team_id: int

    def project(self, name: str) -> str:
        return global_id("Project", self.projects[name])

    @property
    def id(self) -> str:
        return global_id("Organization", self.organization_id)


@pytest.fixture
async def acme(factory: Factory) -> Acme:
    """`acme` (its OWNER `founder`) with `open` (PUBLIC), `inside` (INTERNAL) and `secret`
    (PRIVATE), each a runtime and a model registry; the team `core` (no members); `gina`, a
    MEMBER the founder grants things to."""
    founder = await factory.user("founder")
    organization_id = await factory.organization(ORG, owner=founder)
    projects = {
        name: await factory.project(
            organization_id,
            name,
            visibility=visibility,
            features=frozenset({ProjectFeature.RUNTIME, ProjectFeature.MODEL}),
        )
        for name, visibility in [
            ("open", ProjectVisibility.PUBLIC),
            ("inside", ProjectVisibility.INTERNAL),
            ("secret", ProjectVisibility.PRIVATE),
        ]
    }
    core = await factory.team(organization_id, "core")
    gina = await factory.user("gina")
    await factory.member(organization_id, gina, OrganizationRole.MEMBER)
    return Acme(founder, organization_id, projects, core)


# Who looks at the activity, and on which project the founder changed the access list: an
# organization role (None: no member), a user grant on that project, or no one signed in.
@dataclass(frozen=True)
class Onlooker:
    label: str
    org_role: OrganizationRole | None
    project: str
    grant: ProjectRole | None = None
    anonymous: bool = False


NOT_PROJECT_ADMINS = [
    Onlooker("MEMBER-on-INTERNAL", OrganizationRole.MEMBER, "inside"),
    Onlooker("MEMBER-on-PUBLIC", OrganizationRole.MEMBER, "open"),
    Onlooker("VIEWER-on-INTERNAL", OrganizationRole.VIEWER, "inside"),
    Onlooker("VIEWER-on-PUBLIC", OrganizationRole.VIEWER, "open"),
    Onlooker("grant-VIEWER-on-PRIVATE", OrganizationRole.OUTSIDER, "secret", ProjectRole.VIEWER),
    Onlooker("grant-WRITER-on-PRIVATE", OrganizationRole.OUTSIDER, "secret", ProjectRole.WRITER),
    Onlooker("grant-WRITER-on-INTERNAL", OrganizationRole.MEMBER, "inside", ProjectRole.WRITER),
    Onlooker("non-member-on-PUBLIC", None, "open"),
    Onlooker("anonymous-on-PUBLIC", None, "open", anonymous=True),
]
PROJECT_ADMINS = [
    Onlooker("grant-ADMIN-on-PRIVATE", OrganizationRole.OUTSIDER, "secret", ProjectRole.ADMIN),
    Onlooker("grant-ADMIN-on-INTERNAL", OrganizationRole.MEMBER, "inside", ProjectRole.ADMIN),
    Onlooker("OWNER-on-PRIVATE", OrganizationRole.OWNER, "secret"),
    Onlooker("MANAGER-on-PRIVATE", OrganizationRole.MANAGER, "secret"),
    Onlooker("ADMIN-on-PRIVATE", OrganizationRole.ADMIN, "secret"),
    Onlooker("ADMIN-on-PUBLIC", OrganizationRole.ADMIN, "open"),
]


async def onlooker(factory: Factory, acme: Acme, who: Onlooker) -> Person | None:
    if who.anonymous:
        return None
    person = await factory.user("olive")
    if who.org_role is not None:
        await factory.member(acme.organization_id, person, who.org_role)
    if who.grant is not None:
        await factory.grant(acme.projects[who.project], who.grant, person=person)
    return person


async def change_access(gql: GraphQLClient, acme: Acme, project: str) -> None:
    """The founder, over the API: WRITER to `gina`, VIEWER to `core`, then `core`'s grant away."""
    project_id = acme.project(project)
    for field, input_type, values in [
        ("setProjectAccess", "SetProjectAccessInput", {"username": "gina", "role": "WRITER"}),
        ("setProjectAccess", "SetProjectAccessInput", {"team": "core", "role": "VIEWER"}),
        ("removeProjectAccess", "RemoveProjectAccessInput", {"team": "core"}),
    ]:
        await succeed(gql, field, input_type, {"projectId": project_id, **values}, acme.founder)


@dataclass
class Registry:
    """`models` (a PUBLIC model registry in `acme`) whose promotion sources the founder set to
    [`secret` (PRIVATE), `inside` (INTERNAL)], in that order."""

    acme: Acme
    people: dict[str, Person | None]


@pytest.fixture
async def registry(gql: GraphQLClient, factory: Factory, acme: Acme) -> Registry:
    models = await factory.project(
        acme.organization_id,
        "models",
        visibility=ProjectVisibility.PUBLIC,
        features=frozenset({ProjectFeature.MODEL}),
    )
    await succeed(
        gql,
        "setPromotionSources",
        "SetPromotionSourcesInput",
        {
            "projectId": global_id("Project", models),
            "sourceIds": [acme.project("secret"), acme.project("inside")],
        },
        acme.founder,
    )
    people: dict[str, Person | None] = {"anonymous": None, "non-member": await factory.user("nick")}
    for role in (OrganizationRole.ADMIN, OrganizationRole.MEMBER, OrganizationRole.VIEWER):
        person = await factory.user(role.value.lower())
        await factory.member(acme.organization_id, person, role)
        people[role.value] = person
    return Registry(acme, people)


SOURCES_VERB = ["project.promotion_sources_set"]


class TestActivityDetails:
    """authz.md 2026-11-30, "The activity feed says no more than the objects do". Read through
    `organization.activity` and `node(id:)` alike."""

    @pytest.mark.parametrize("who", NOT_PROJECT_ADMINS, ids=[w.label for w in NOT_PROJECT_ADMINS])
    async def test_who_may_not_read_the_access_list_sees_no_grant_in_details(
        self, gql: GraphQLClient, factory: Factory, acme: Acme, who: Onlooker
    ) -> None:
        """They see that the access list changed (the project is theirs to read), but not who
        got which role: `project { access }` is closed to them, so the details are null."""
        viewer = await onlooker(factory, acme, who)
        await change_access(gql, acme, who.project)
        seen = await activity_nodes(gql, viewer, ACCESS_VERBS)
        assert {node["actor"]["username"] for node in seen} == {"founder"}
        assert shapes(seen) == [
            ("project.access_removed", "null"),
            ("project.access_set", "null"),
            ("project.access_set", "null"),
        ]

    @pytest.mark.parametrize("who", PROJECT_ADMINS, ids=[w.label for w in PROJECT_ADMINS])
    async def test_project_admin_sees_who_got_which_role_in_details(
        self, gql: GraphQLClient, factory: Factory, acme: Acme, who: Onlooker
    ) -> None:
        viewer = await onlooker(factory, acme, who)
        await change_access(gql, acme, who.project)
        seen = await activity_nodes(gql, viewer, ACCESS_VERBS)
        expected = [
            ("project.access_removed", {"team": "core"}),
            ("project.access_set", {"team": "core", "role": "VIEWER"}),
            ("project.access_set", {"username": "gina", "role": "WRITER"}),
        ]
        assert len(seen) == len(expected)
        for verb, details in expected:
            assert any(
                node["verb"] == verb
                and node["details"] is not None
                and node["details"].items() >= details.items()
                for node in seen
            ), (verb, details, seen)

    @pytest.mark.parametrize("role", ["MEMBER", "VIEWER"])
    async def test_member_sees_no_private_source_in_details(
        self, gql: GraphQLClient, registry: Registry, role: str
    ) -> None:
        """An organization member reads `inside` but not `secret`: the details name `inside`
        only, and count nothing (today: `{"sources": 2}`, which says a hidden source exists)."""
        seen = await activity_nodes(gql, registry.people[role], SOURCES_VERB)
        assert [node["details"] for node in seen] == [{"name": "models", "sources": ["inside"]}]

    @pytest.mark.parametrize("who", ["anonymous", "non-member"])
    async def test_outsider_sees_no_unreadable_source_in_details(
        self, gql: GraphQLClient, registry: Registry, who: str
    ) -> None:
        """Outside `acme` neither source is readable (INTERNAL, PRIVATE): an empty list."""
        seen = await activity_nodes(gql, registry.people[who], SOURCES_VERB)
        assert [node["details"] for node in seen] == [{"name": "models", "sources": []}]

    async def test_admin_sees_every_source_by_name_in_details(
        self, gql: GraphQLClient, registry: Registry
    ) -> None:
        """An organization ADMIN reads both sources: both named, in the order given (today the
        details hold a count, `{"sources": 2}`, so this fails too until the new shape lands)."""
        seen = await activity_nodes(gql, registry.people["ADMIN"], SOURCES_VERB)
        assert [node["details"] for node in seen] == [
            {"name": "models", "sources": ["secret", "inside"]}
        ]


# ---- 2. no membership oracle --------------------------------------------------------------------


@dataclass
class Members:
    """`acme` (PUBLIC `open`, so anyone signed in reads it) with `vera` (VIEWER, not on a team),
    the team `core` with `tim` (MEMBER, team MEMBER) on it, `nora` (a user outside `acme`), and
    no user `ghost`. The viewers: `nick` (no member) and `mona` (MEMBER, may not manage members
    nor, off `core`'s maintainers, the team's)."""

    acme: Acme
    nick: Person
    mona: Person


@pytest.fixture
async def members(factory: Factory, acme: Acme) -> Members:
    vera = await factory.user("vera")
    await factory.member(acme.organization_id, vera, OrganizationRole.VIEWER)
    tim = await factory.user("tim")
    await factory.member(acme.organization_id, tim, OrganizationRole.MEMBER)
    await factory.team_member(acme.core_team_id, tim, TeamRole.MEMBER)
    await factory.user("nora")
    nick = await factory.user("nick")
    mona = await factory.user("mona")
    await factory.member(acme.organization_id, mona, OrganizationRole.MEMBER)
    return Members(acme, nick, mona)


@dataclass(frozen=True)
class MemberMutation:
    field: str
    input_type: str
    values: Callable[[Members, str], dict[str, Any]]


def org_input(role: str | None) -> Callable[[Members, str], dict[str, Any]]:
    def values(members: Members, username: str) -> dict[str, Any]:
        found = {"organizationId": members.acme.id, "username": username}
        return found if role is None else {**found, "role": role}

    return values


def team_input(role: str | None) -> Callable[[Members, str], dict[str, Any]]:
    def values(members: Members, username: str) -> dict[str, Any]:
        found = {"teamId": global_id("Team", members.acme.core_team_id), "username": username}
        return found if role is None else {**found, "role": role}

    return values


ORG_MUTATIONS = [
    MemberMutation("addOrganizationMember", "OrganizationMemberInput", org_input("MEMBER")),
    MemberMutation("updateOrganizationMemberRole", "OrganizationMemberInput", org_input("VIEWER")),
    MemberMutation("removeOrganizationMember", "RemoveOrganizationMemberInput", org_input(None)),
]
TEAM_MUTATIONS = [
    MemberMutation("addTeamMember", "TeamMemberInput", team_input("MEMBER")),
    MemberMutation("updateTeamMemberRole", "TeamMemberInput", team_input("MAINTAINER")),
    MemberMutation("removeTeamMember", "RemoveTeamMemberInput", team_input(None)),
]


def answer(body: dict[str, Any]) -> dict[str, Any]:
    """What a client learns from a response: the data and each error's message and code."""
    return {
        "data": body.get("data"),
        "errors": [
            {"message": error.get("message"), "code": error.get("extensions", {}).get("code")}
            for error in body.get("errors", [])
        ],
    }


async def answers(
    gql: GraphQLClient,
    factory: Factory,
    members: Members,
    mutation: MemberMutation,
    viewer: Person,
    usernames: list[str],
) -> dict[str, dict[str, Any]]:
    """The viewer's answer for each username; nothing may change."""
    before = await factory.row_counts()
    found = {}
    for username in usernames:
        body = await gql(
            f"mutation ($input: {mutation.input_type}!) {{ {mutation.field}(input: $input) "
            "{ userErrors { field code message } } }",
            {"input": mutation.values(members, username)},
            as_=viewer,
        )
        found[username] = answer(body)
    assert await factory.row_counts() == before
    return found


def assert_one_forbidden_answer(found: dict[str, dict[str, Any]], field: str) -> None:
    first = next(iter(found.values()))
    assert all(each == first for each in found.values()), found
    assert first["data"] is None or first["data"][field] is None, found
    assert [error["code"] for error in first["errors"]] == ["FORBIDDEN"], found


MEMBER_USERNAMES = {
    "existing member": "vera",
    "no such user": "ghost",
    "user outside acme": "nora",
}
TEAM_USERNAMES = {
    "team member": "tim",
    "no such user": "ghost",
    "user outside acme": "nora",
    "acme member off the team": "vera",
}
Make = Callable[[Factory, Members], Awaitable[Person]]


async def as_nick(factory: Factory, members: Members) -> Person:
    return members.nick


async def as_mona(factory: Factory, members: Members) -> Person:
    return members.mona


async def as_mona_on_core(factory: Factory, members: Members) -> Person:
    await factory.team_member(members.acme.core_team_id, members.mona, TeamRole.MEMBER)
    return members.mona


class TestNoMembershipOracle:
    """authz.md 2026-11-30, "No oracles": who may not manage members learns nothing about who
    is a member, or who exists, from the answer. One FORBIDDEN, word for word, whatever the
    username; no userErrors; nothing changes.

    Today `removeOrganizationMember` is the oracle: it looks the username up before it asks
    whether the viewer may manage members, so a stranger gets userErrors NOT_FOUND for `ghost`
    and `nora` but FORBIDDEN for `vera`. The add, update and team mutations already authorize
    first; their cases hold today and guard the fix. (Leaving, with one's own username, stays
    allowed and is not asked here.)"""

    @pytest.mark.parametrize("mutation", ORG_MUTATIONS, ids=[m.field for m in ORG_MUTATIONS])
    @pytest.mark.parametrize("make_viewer", [as_nick, as_mona], ids=["non-member", "MEMBER"])
    async def test_who_may_not_manage_members_learns_nothing_of_who_is_a_member(
        self,
        gql: GraphQLClient,
        factory: Factory,
        members: Members,
        mutation: MemberMutation,
        make_viewer: Make,
    ) -> None:
        viewer = await make_viewer(factory, members)
        found = await answers(
            gql, factory, members, mutation, viewer, list(MEMBER_USERNAMES.values())
        )
        assert_one_forbidden_answer(found, mutation.field)

    @pytest.mark.parametrize("mutation", TEAM_MUTATIONS, ids=[m.field for m in TEAM_MUTATIONS])
    @pytest.mark.parametrize(
        "make_viewer", [as_mona, as_mona_on_core], ids=["MEMBER-off-team", "team-MEMBER"]
    )
    async def test_who_may_not_manage_the_team_learns_nothing_of_who_is_on_it(
        self,
        gql: GraphQLClient,
        factory: Factory,
        members: Members,
        mutation: MemberMutation,
        make_viewer: Make,
    ) -> None:
        viewer = await make_viewer(factory, members)
        found = await answers(
            gql, factory, members, mutation, viewer, list(TEAM_USERNAMES.values())
        )
        assert_one_forbidden_answer(found, mutation.field)
