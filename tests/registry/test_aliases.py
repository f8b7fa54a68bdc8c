"""Aliases over HTTP (api.md "Decisions of 2026-11-30"): a project's names for its model and
component versions (`@champion`), one version per alias at a time. Setting one moves it; every
set, move and delete is in the activity log; lookups by `alias:`, references with `@`, and the
`aliases` field find what the mutations left; deleting a version frees its aliases; names are
checked; a version of a project the viewer may not read does not exist for them.

Who may do it is the policy's (`tests/authz/matrix.py`): `TestPermissions` runs every alias move
of the matrix for every project role, archived or not, and checks `viewerCan` against it.

Every test runs for both kinds of version: one mechanism, declared per kind.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pytest

from app.organizations.models import OrganizationRole
from app.projects.models import ProjectFeature, ProjectRole, ProjectVisibility
from app.versions.models import Stage
from tests.authz import matrix
from tests.helpers import Factory, GraphQLClient, Person, error_codes, global_id

BOTH = frozenset({ProjectFeature.MODEL, ProjectFeature.COMPONENT})


@dataclass(frozen=True)
class Kind:
    """How the API spells one kind of version."""

    type_name: str  # ModelVersion
    field: str  # modelVersion
    verb: str  # model_version (activity)

    @property
    def component(self) -> bool:
        return self.type_name == "ComponentVersion"

    @property
    def set(self) -> str:
        return f"set{self.type_name}Alias"

    @property
    def delete(self) -> str:
        return f"delete{self.type_name}Alias"

    @property
    def previous(self) -> str:
        return f"previous{self.type_name}"

    @property
    def list_field(self) -> str:
        return f"{self.field}s"

    def set_document(self) -> str:
        return (
            f"mutation($input: Set{self.type_name}AliasInput!) {{ {self.set}(input: $input) {{"
            f" {self.field} {{ name aliases }} {self.previous} {{ name aliases }}"
            " userErrors { field code message } } }"
        )

    def delete_document(self) -> str:
        return (
            f"mutation($input: Delete{self.type_name}AliasInput!) {{"
            f" {self.delete}(input: $input) {{ {self.field} {{ name aliases }}"
            " userErrors { field code message } } }"
        )


MODEL = Kind("ModelVersion", "modelVersion", "model_version")
COMPONENT = Kind("ComponentVersion", "componentVersion", "component_version")
KINDS = [pytest.param(MODEL, id="model"), pytest.param(COMPONENT, id="component")]

HISTORY = """
query($verbs: [String!]) {
  organization(name: "acme") {
    activity(first: 100, filter: {verbs: $verbs}) {
      edges { node { verb details actor { username } } }
    }
  }
}
"""


@dataclass
class World:
    """`acme/fraud` (INTERNAL; models and components) with a version of each kind per stage,
    its admin and a writer; `acme/secret` (PRIVATE) that the writer may not read."""

    owner: Person
    admin: Person
    writer: Person
    reader: Person
    project: int
    secret: int
    versions: dict[str, dict[Stage, int]]  # type name -> stage -> version id
    hidden: dict[str, int]  # type name -> a version of the secret project

    def version(self, kind: Kind, stage: Stage) -> str:
        return global_id(kind.type_name, self.versions[kind.type_name][stage])


NAMES = {Stage.TESTING: "v1", Stage.STAGING: "v2", Stage.PRODUCTION: "v3", Stage.DISABLED: "v4"}


async def _versions(factory: Factory, project: int, kind: Kind) -> dict[Stage, int]:
    made = {}
    for stage, name in NAMES.items():
        if kind.component:
            made[stage] = await factory.component_version(project, name, stage=stage)
        else:
            made[stage] = await factory.model_version(project, name, stage=stage)
    return made


@pytest.fixture
async def world(factory: Factory) -> World:
    owner = await factory.user("owner")
    admin = await factory.user("mlops")
    writer = await factory.user("scientist")
    reader = await factory.user("analyst")
    organization = await factory.organization("acme", owner=owner)
    for person, role in (
        (admin, OrganizationRole.MEMBER),
        (writer, OrganizationRole.MEMBER),
        (reader, OrganizationRole.VIEWER),
    ):
        await factory.member(organization, person, role)
    project = await factory.project(
        organization, "fraud", visibility=ProjectVisibility.INTERNAL, features=BOTH
    )
    await factory.grant(project, ProjectRole.ADMIN, person=admin)
    secret = await factory.project(
        organization, "secret", visibility=ProjectVisibility.PRIVATE, features=BOTH
    )
    versions, hidden = {}, {}
    for kind in (MODEL, COMPONENT):
        versions[kind.type_name] = await _versions(factory, project, kind)
        hidden[kind.type_name] = (await _versions(factory, secret, kind))[Stage.TESTING]
    return World(owner, admin, writer, reader, project, secret, versions, hidden)


async def set_alias(
    gql: GraphQLClient, kind: Kind, version: str, alias: str, as_: Person
) -> dict[str, Any]:
    variables = {"input": {"versionId": version, "alias": alias}}
    return await gql(kind.set_document(), variables, as_=as_)


async def set_ok(
    gql: GraphQLClient, kind: Kind, version: str, alias: str, as_: Person
) -> dict[str, Any]:
    body = await set_alias(gql, kind, version, alias, as_)
    assert "errors" not in body, body
    payload: dict[str, Any] = body["data"][kind.set]
    assert payload["userErrors"] == [], payload
    return payload


async def delete_alias(
    gql: GraphQLClient, kind: Kind, project: int, alias: str, as_: Person
) -> dict[str, Any]:
    variables = {"input": {"projectId": global_id("Project", project), "alias": alias}}
    return await gql(kind.delete_document(), variables, as_=as_)


async def holder(gql: GraphQLClient, kind: Kind, alias: str, as_: Person) -> str | None:
    """The name of the version holding `alias` in acme/fraud, by `project.<kind>(alias:)`."""
    query = (
        f'query($alias: String) {{ project(owner: "acme", name: "fraud") {{'
        f" {kind.field}(alias: $alias) {{ name aliases }} }} }}"
    )
    found = (await gql.data(query, {"alias": alias}, as_=as_))["project"][kind.field]
    if found is None:
        return None
    assert alias.lower() in found["aliases"]
    name: str = found["name"]
    return name


async def aliases_by_version(gql: GraphQLClient, kind: Kind, as_: Person) -> dict[str, list[str]]:
    query = (
        f'{{ project(owner: "acme", name: "fraud") {{ {kind.list_field}(first: 50)'
        " { edges { node { name aliases } } } } }"
    )
    data = await gql.data(query, as_=as_)
    edges = data["project"][kind.list_field]["edges"]
    return {edge["node"]["name"]: edge["node"]["aliases"] for edge in edges}


async def history(gql: GraphQLClient, kind: Kind, as_: Person) -> list[tuple[str, Any]]:
    """The alias entries of the activity log, oldest first: (verb, details)."""
    verbs = [f"{kind.verb}.alias_set", f"{kind.verb}.alias_deleted"]
    data = await gql.data(HISTORY, {"verbs": verbs}, as_=as_)
    edges = data["organization"]["activity"]["edges"]
    return [(edge["node"]["verb"], edge["node"]["details"]) for edge in reversed(edges)]


def alias_set(kind: Kind, alias: str, was: str | None, now: str) -> tuple[str, Any]:
    return f"{kind.verb}.alias_set", {"name": now, "alias": alias, "from": was, "to": now}


def alias_deleted(kind: Kind, alias: str, was: str) -> tuple[str, Any]:
    return f"{kind.verb}.alias_deleted", {"name": was, "alias": alias, "from": was, "to": None}


@pytest.mark.parametrize("kind", KINDS)
class TestSetAlias:
    async def test_a_writer_sets_an_alias_and_every_lookup_finds_it(
        self, gql: GraphQLClient, world: World, kind: Kind
    ) -> None:
        payload = await set_ok(
            gql, kind, world.version(kind, Stage.TESTING), "champion", world.writer
        )
        assert payload[kind.field] == {"name": "v1", "aliases": ["champion"]}
        assert payload[kind.previous] is None
        assert await holder(gql, kind, "champion", world.reader) == "v1"
        for reference in ("acme/fraud@champion", "ACME/Fraud@Champion"):
            found = await gql.data(
                f"query($r: String!) {{ {kind.field}(reference: $r) {{ name aliases }} }}",
                {"r": reference},
                as_=world.reader,
            )
            assert found[kind.field] == {"name": "v1", "aliases": ["champion"]}, reference
        assert await history(gql, kind, world.owner) == [alias_set(kind, "champion", None, "v1")]

    async def test_setting_it_on_another_version_moves_it(
        self, gql: GraphQLClient, world: World, kind: Kind
    ) -> None:
        await set_ok(gql, kind, world.version(kind, Stage.TESTING), "champion", world.writer)
        payload = await set_ok(
            gql, kind, world.version(kind, Stage.STAGING), "Champion", world.writer
        )
        assert payload[kind.field] == {"name": "v2", "aliases": ["champion"]}
        assert payload[kind.previous] == {"name": "v1", "aliases": []}
        assert await holder(gql, kind, "champion", world.reader) == "v2"
        assert (await aliases_by_version(gql, kind, world.reader)) == {
            "v1": [],
            "v2": ["champion"],
            "v3": [],
            "v4": [],
        }
        assert await history(gql, kind, world.owner) == [
            alias_set(kind, "champion", None, "v1"),
            alias_set(kind, "champion", "v1", "v2"),
        ]

    async def test_setting_it_on_its_holder_changes_nothing_and_records_nothing(
        self, gql: GraphQLClient, world: World, kind: Kind
    ) -> None:
        version = world.version(kind, Stage.TESTING)
        await set_ok(gql, kind, version, "champion", world.writer)
        payload = await set_ok(gql, kind, version, "champion", world.writer)
        assert (
            payload[kind.field] == payload[kind.previous] == {"name": "v1", "aliases": ["champion"]}
        )
        assert len(await history(gql, kind, world.owner)) == 1

    async def test_a_version_holds_several_aliases_in_alphabetical_order(
        self, gql: GraphQLClient, world: World, kind: Kind
    ) -> None:
        version = world.version(kind, Stage.STAGING)
        for alias in ("stable", "challenger", "blue_green-2"):
            await set_ok(gql, kind, version, alias, world.writer)
        assert (await aliases_by_version(gql, kind, world.reader))["v2"] == [
            "blue_green-2",
            "challenger",
            "stable",
        ]

    async def test_the_kinds_and_the_projects_have_aliases_of_their_own(
        self, gql: GraphQLClient, factory: Factory, world: World, kind: Kind
    ) -> None:
        other = MODEL if kind is COMPONENT else COMPONENT
        await factory.alias(
            world.project,
            world.versions[other.type_name][Stage.STAGING],
            "champion",
            component=other.component,
        )
        await factory.alias(
            world.secret, world.hidden[kind.type_name], "champion", component=kind.component
        )
        payload = await set_ok(
            gql, kind, world.version(kind, Stage.TESTING), "champion", world.writer
        )
        assert payload[kind.previous] is None  # neither the other kind's nor the other project's
        assert await holder(gql, other, "champion", world.reader) == "v2"
        assert await holder(gql, kind, "champion", world.reader) == "v1"

    @pytest.mark.parametrize(
        "alias",
        [
            pytest.param("", id="empty"),
            pytest.param("1st", id="starts-with-a-digit"),
            pytest.param("-champion", id="starts-with-a-dash"),
            pytest.param("a" * 65, id="65-characters"),
            pytest.param("champ ion", id="space"),
            pytest.param("champ.ion", id="dot"),
            pytest.param("champ@ion", id="at"),
            pytest.param("champ:ion", id="colon"),
            pytest.param("champ/ion", id="slash"),
            pytest.param("chämpion", id="non-ascii"),
            pytest.param("\u212aelvin", id="kelvin-sign-folds-to-k"),
            pytest.param("latest", id="reserved-latest"),
            pytest.param("LATEST", id="reserved-latest-any-case"),
            pytest.param("v3", id="reads-as-a-version"),
            pytest.param("V12", id="reads-as-a-version-any-case"),
        ],
    )
    async def test_a_bad_alias_is_invalid_and_changes_nothing(
        self, gql: GraphQLClient, factory: Factory, world: World, kind: Kind, alias: str
    ) -> None:
        before = await factory.row_counts()
        body = await set_alias(gql, kind, world.version(kind, Stage.TESTING), alias, world.writer)
        payload = body["data"][kind.set]
        assert payload[kind.field] is None
        assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [("alias", "INVALID")]
        assert "starting with a letter" in payload["userErrors"][0]["message"]
        assert await factory.row_counts() == before

    @pytest.mark.parametrize("alias", ["a" * 64, "v3a", "vnext", "latest-good", "x"])
    async def test_names_near_the_rules_are_aliases(
        self, gql: GraphQLClient, world: World, kind: Kind, alias: str
    ) -> None:
        await set_ok(gql, kind, world.version(kind, Stage.TESTING), alias, world.writer)
        assert await holder(gql, kind, alias, world.reader) == "v1"

    async def test_a_version_the_viewer_may_not_read_is_not_found(
        self, gql: GraphQLClient, factory: Factory, world: World, kind: Kind
    ) -> None:
        hidden = global_id(kind.type_name, world.hidden[kind.type_name])
        before = await factory.row_counts()
        for alias in ("champion", "NOT VALID"):  # the same answer whatever the input says
            body = await set_alias(gql, kind, hidden, alias, world.writer)
            assert error_codes(body) == ["NOT_FOUND"], body
            assert body["data"] == {kind.set: None}
        missing = global_id(kind.type_name, 10**9)
        assert error_codes(await set_alias(gql, kind, missing, "champion", world.writer)) == [
            "NOT_FOUND"
        ]
        assert await factory.row_counts() == before

    async def test_an_id_of_the_other_kind_is_bad_input(
        self, gql: GraphQLClient, world: World, kind: Kind
    ) -> None:
        other = MODEL if kind is COMPONENT else COMPONENT
        body = await set_alias(
            gql, kind, world.version(other, Stage.TESTING), "champion", world.writer
        )
        assert error_codes(body) == ["BAD_USER_INPUT"]


@pytest.mark.parametrize("kind", KINDS)
class TestDeleteAlias:
    async def test_a_writer_deletes_an_alias(
        self, gql: GraphQLClient, world: World, kind: Kind
    ) -> None:
        await set_ok(gql, kind, world.version(kind, Stage.STAGING), "champion", world.writer)
        body = await delete_alias(gql, kind, world.project, "CHAMPION", world.writer)
        assert body["data"][kind.delete] == {
            kind.field: {"name": "v2", "aliases": []},
            "userErrors": [],
        }
        assert await holder(gql, kind, "champion", world.reader) is None
        found = await gql.data(
            f'{{ {kind.field}(reference: "acme/fraud@champion") {{ name }} }}', as_=world.reader
        )
        assert found[kind.field] is None
        assert await history(gql, kind, world.owner) == [
            alias_set(kind, "champion", None, "v2"),
            alias_deleted(kind, "champion", "v2"),
        ]

    async def test_an_alias_nobody_holds_is_not_found_in_the_input(
        self, gql: GraphQLClient, factory: Factory, world: World, kind: Kind
    ) -> None:
        # Held in another project (and by the other kind here): not this project's.
        other = MODEL if kind is COMPONENT else COMPONENT
        await factory.alias(
            world.secret, world.hidden[kind.type_name], "champion", component=kind.component
        )
        await factory.alias(
            world.project,
            world.versions[other.type_name][Stage.TESTING],
            "champion",
            component=other.component,
        )
        body = await delete_alias(gql, kind, world.project, "champion", world.writer)
        payload = body["data"][kind.delete]
        assert payload[kind.field] is None
        assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [("alias", "NOT_FOUND")]

    async def test_in_a_project_the_viewer_may_not_read_it_is_not_found(
        self, gql: GraphQLClient, factory: Factory, world: World, kind: Kind
    ) -> None:
        await factory.alias(
            world.secret, world.hidden[kind.type_name], "champion", component=kind.component
        )
        before = await factory.row_counts()
        for alias in ("champion", "nobody", "NOT VALID"):
            body = await delete_alias(gql, kind, world.secret, alias, world.writer)
            assert error_codes(body) == ["NOT_FOUND"], body
        assert await factory.row_counts() == before

    async def test_deleting_a_version_frees_its_aliases(
        self, gql: GraphQLClient, world: World, kind: Kind
    ) -> None:
        testing, staging = world.version(kind, Stage.TESTING), world.version(kind, Stage.STAGING)
        await set_ok(gql, kind, testing, "champion", world.writer)
        await set_ok(gql, kind, testing, "challenger", world.writer)
        body = await gql(
            f"mutation($id: ID!) {{ delete{kind.type_name}(input: {{id: $id}}) {{ deletedId }} }}",
            {"id": testing},
            as_=world.admin,
        )
        assert "errors" not in body, body
        assert await holder(gql, kind, "champion", world.reader) is None
        payload = await set_ok(gql, kind, staging, "champion", world.writer)
        assert payload[kind.previous] is None
        assert await history(gql, kind, world.owner) == [
            alias_set(kind, "champion", None, "v1"),
            alias_set(kind, "challenger", None, "v1"),
            alias_deleted(kind, "challenger", "v1"),
            alias_deleted(kind, "champion", "v1"),
            alias_set(kind, "champion", None, "v2"),
        ]


@pytest.mark.parametrize("kind", KINDS)
class TestLookups:
    async def test_name_or_alias_exactly_one(
        self, gql: GraphQLClient, world: World, kind: Kind
    ) -> None:
        for arguments in ("", '(name: "v1", alias: "champion")'):
            body = await gql(
                f'{{ project(owner: "acme", name: "fraud") {{ {kind.field}{arguments}'
                " { name } } }",
                as_=world.reader,
            )
            assert error_codes(body) == ["BAD_USER_INPUT"], arguments

    async def test_an_alias_nobody_holds_or_no_alias_at_all_finds_nothing(
        self, gql: GraphQLClient, world: World, kind: Kind
    ) -> None:
        await set_ok(gql, kind, world.version(kind, Stage.TESTING), "champion", world.writer)
        for alias in ("challenger", "latest", "not an alias", "v1"):
            assert await holder(gql, kind, alias, world.reader) is None, alias

    async def test_references_with_an_alias(
        self, gql: GraphQLClient, factory: Factory, world: World, kind: Kind
    ) -> None:
        await set_ok(gql, kind, world.version(kind, Stage.STAGING), "champion", world.writer)
        await factory.alias(
            world.secret, world.hidden[kind.type_name], "champion", component=kind.component
        )
        query = f"query($r: String!) {{ {kind.field}(reference: $r) {{ name }} }}"
        expected = {
            "acme/fraud@champion": {"name": "v2"},
            "acme/fraud:v2": {"name": "v2"},
            "acme/fraud@challenger": None,
            "acme/secret@champion": None,  # the writer may not read acme/secret
            "other/fraud@champion": None,
        }
        if kind.component:  # the hub also finds a component without its owner
            expected["fraud@champion"] = {"name": "v2"}
        for reference, version in expected.items():
            found = await gql.data(query, {"r": reference}, as_=world.writer)
            assert found[kind.field] == version, reference
        for bad in ("acme/fraud@", "acme/fraud:v2@champion", "acme/fraud@champion@x"):
            body = await gql(query, {"r": bad}, as_=world.writer)
            assert error_codes(body) == ["BAD_USER_INPUT"], bad
        if not kind.component:  # a model version reference names its owner
            body = await gql(query, {"r": "fraud@champion"}, as_=world.writer)
            assert error_codes(body) == ["BAD_USER_INPUT"]

    async def test_the_query_language_and_the_filter_find_versions_by_alias(
        self, gql: GraphQLClient, world: World, kind: Kind
    ) -> None:
        await set_ok(gql, kind, world.version(kind, Stage.STAGING), "champion", world.writer)
        await set_ok(gql, kind, world.version(kind, Stage.PRODUCTION), "stable", world.admin)
        listing = (
            f"query($q: String, $f: {kind.type_name}Filter) {{"
            f' project(owner: "acme", name: "fraud") {{ {kind.list_field}(query: $q, filter: $f)'
            " { totalCount edges { node { name } } } } }"
        )

        async def names(**variables: Any) -> set[str]:
            data = await gql.data(listing, variables, as_=world.reader)
            connection = data["project"][kind.list_field]
            found = {edge["node"]["name"] for edge in connection["edges"]}
            assert connection["totalCount"] == len(found)
            return found

        assert await names(q="alias:champion") == {"v2"}
        assert await names(q="alias:champion|stable") == {"v2", "v3"}
        assert await names(q="alias:nil") == {"v1", "v4"}
        assert await names(q="~alias:nil, stage:production") == {"v3"}
        assert await names(q="~alias:champion") == {"v1", "v3", "v4"}
        assert await names(f={"alias": ["Champion", "stable"]}) == {"v2", "v3"}


# ---- the permission matrix, end to end --------------------------------------------------------

ROLES = [*matrix.PROJECT_ROLES, None]
# Every alias move of the matrix but ("", ""), which no mutation asks alone: (stage of the version
# the alias leaves, stage of the one it reaches); ("", x) sets it anew, (x, "") deletes it, and
# (x, x) sets it on the version holding it.
MOVES = [move for move in matrix.alias_moves() if move != ("", "")]
STAGE_OF = {stage.value: stage for stage in Stage}


def expected_outcome(role: str | None, archived: bool, move: tuple[str, str]) -> str:
    """What the mutation answers, by the matrix: `ok`, or the refusal's code. No role: the
    PRIVATE project does not exist for them. An archived project is reported before the
    PRODUCTION rule to whoever may set aliases there otherwise."""
    if role is None:
        return "NOT_FOUND"
    if matrix.alias_move_allows(role, archived, move):
        return "ok"
    if archived and matrix.alias_move_allows(role, False, ("", "")):
        return "INVALID"
    return "FORBIDDEN"


@dataclass
class Scene:
    """An organization with an OUTSIDER `vic` whose only roles are grants, and a PRIVATE project
    per alias move (archived or not), each with a version per stage and the alias `champion`
    where the move starts."""

    owner: Person
    viewer: Person
    projects: dict[tuple[str, str], tuple[str, int, dict[Stage, int]]]  # move -> name, id, versions


async def scene(
    factory: Factory,
    kind: Kind,
    role: str | None,
    archived: bool,
    moves: Sequence[tuple[str, str]] = MOVES,
) -> Scene:
    owner = await factory.user("owner")
    viewer = await factory.user("vic")
    organization = await factory.organization("acme", owner=owner)
    await factory.member(organization, viewer, OrganizationRole.OUTSIDER)
    projects = {}
    for number, move in enumerate(moves):
        leaves = move[0]
        name = f"p{number}"
        project = await factory.project(organization, name, features=BOTH, archived=archived)
        if role is not None:
            await factory.grant(project, ProjectRole(role), person=viewer)
        versions = await _versions(factory, project, kind)
        if leaves:
            held = versions[STAGE_OF[leaves]]
            await factory.alias(project, held, "champion", component=kind.component)
        projects[move] = (name, project, versions)
    return Scene(owner, viewer, projects)


def outcome(body: dict[str, Any], field: str) -> str:
    if error_codes(body):
        return error_codes(body)[0]
    errors = body["data"][field]["userErrors"]
    return errors[0]["code"] if errors else "ok"


async def holder_in(gql: GraphQLClient, kind: Kind, project: str, owner: Person) -> str | None:
    """Who holds `champion` in the project, as the organization's owner sees it."""
    query = (
        f'query($p: String!) {{ project(owner: "acme", name: $p) {{'
        f' {kind.field}(alias: "champion") {{ name }} }} }}'
    )
    found = (await gql.data(query, {"p": project}, as_=owner))["project"][kind.field]
    return None if found is None else str(found["name"])


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("archived", [False, True], ids=["active", "archived"])
class TestPermissions:
    @pytest.mark.parametrize("role", ROLES, ids=[role or "no-role" for role in ROLES])
    async def test_alias_moves_follow_the_matrix(
        self, gql: GraphQLClient, factory: Factory, kind: Kind, role: str | None, archived: bool
    ) -> None:
        """Every move of the matrix, each in a project of its own: what the mutation answered,
        who holds the alias after it, and whether anything was written (a move writes its
        activity row; setting it on the version holding it writes nothing; a refusal, nothing).
        All moves are compared at once, so a difference names its moves."""
        world = await scene(factory, kind, role, archived)
        names = {stage.value: name for stage, name in NAMES.items()} | {"": None}
        answered, expected = {}, {}
        for move, (name, project, versions) in world.projects.items():
            leaves, reaches = move
            before = await factory.row_counts()
            if reaches:
                target = global_id(kind.type_name, versions[STAGE_OF[reaches]])
                body = await set_alias(gql, kind, target, "champion", world.viewer)
                field = kind.set
            else:
                body = await delete_alias(gql, kind, project, "champion", world.viewer)
                field = kind.delete
            written = await factory.row_counts() != before
            key = f"{leaves or 'none'}->{reaches or 'none'}"
            answered[key] = (
                outcome(body, field),
                await holder_in(gql, kind, name, world.owner),
                written,
            )
            code = expected_outcome(role, archived, move)
            allowed = code == "ok"
            expected[key] = (
                code,
                names[reaches] if allowed else names[leaves],
                allowed and leaves != reaches,
            )
        assert answered == expected

    @pytest.mark.parametrize("role", ROLES[:-1])
    async def test_viewer_can_says_what_the_policy_says(
        self, gql: GraphQLClient, factory: Factory, kind: Kind, role: str, archived: bool
    ) -> None:
        world = await scene(factory, kind, role, archived, [("", "")])
        _, _, versions = world.projects["", ""]
        query = (
            "query($ids: [ID!]!) { nodes(ids: $ids) {"
            f" ... on {kind.type_name} {{ stage viewerCan {{ setAlias removeAlias }} }} }} }}"
        )
        ids = [global_id(kind.type_name, version) for version in versions.values()]
        nodes = (await gql.data(query, {"ids": ids}, as_=world.viewer))["nodes"]
        assert {node["stage"]: node["viewerCan"] for node in nodes} == {
            stage.value: {
                "setAlias": matrix.alias_move_allows(role, archived, ("", stage.value)),
                "removeAlias": matrix.alias_move_allows(role, archived, (stage.value, "")),
            }
            for stage in Stage
        }
