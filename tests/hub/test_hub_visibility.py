"""Who sees which component versions (authz.md "Project visibility", "Not found versus
forbidden"): the hub lists exactly what the viewer may read, a private version does not exist for
outsiders, and `organization.components` holds the COMPONENT projects only.

Two organizations, `acme` and `globex`, each with four hub projects of two versions each:
`pub` (PUBLIC), `int` (INTERNAL), `priv` (PRIVATE) and `crew` (PRIVATE, granted to its team
`core`); each also has a runtime project `train` and a model registry `models` (INTERNAL), and
`acme` a project `mixed` (INTERNAL, RUNTIME and COMPONENT, no versions yet).
"""

from dataclasses import dataclass

import pytest

from app.organizations.models import OrganizationRole
from app.projects.models import ProjectFeature, ProjectRole, ProjectVisibility
from app.teams.models import TeamRole
from tests.helpers import Factory, GraphQLClient, Person, global_id

COMPONENT = frozenset({ProjectFeature.COMPONENT})
HUB_PROJECTS = {
    "pub": ProjectVisibility.PUBLIC,
    "int": ProjectVisibility.INTERNAL,
    "priv": ProjectVisibility.PRIVATE,
    "crew": ProjectVisibility.PRIVATE,
}
VERSIONS = ("1.0", "2.0")
HUB = "query($n: Int!) { hub(first: $n) { totalCount edges { node { reference } } } }"
BY_REFERENCE = "query($ref: String!) { componentVersion(reference: $ref) { reference } }"
NODE = "query($id: ID!) { node(id: $id) { ... on ComponentVersion { reference } } }"
COMPONENTS = """
query($org: String!) { organization(name: $org) { components(first: 100) {
  totalCount edges { node { name features } }
} } }
"""


@dataclass
class World:
    ada: Person  # acme MEMBER
    tess: Person  # acme OUTSIDER, on acme's team `core`
    root: Person  # acme ADMIN
    gil: Person  # globex MEMBER
    versions: dict[str, int]  # reference -> id


@pytest.fixture
async def world(factory: Factory) -> World:
    people = {
        name: await factory.user(name)
        for name in ("ada", "tess", "root", "gil", "acme-owner", "globex-owner")
    }
    versions: dict[str, int] = {}
    for org in ("acme", "globex"):
        organization = await factory.organization(org, owner=people[f"{org}-owner"])
        team = await factory.team(organization, "core")
        for name, visibility in HUB_PROJECTS.items():
            project = await factory.project(
                organization, name, visibility=visibility, features=COMPONENT
            )
            for version in VERSIONS:
                versions[f"{org}/{name}:{version}"] = await factory.component_version(
                    project, version
                )
            if name == "crew":
                await factory.grant(project, ProjectRole.VIEWER, team_id=team)
        await factory.project(organization, "train", visibility=ProjectVisibility.INTERNAL)
        await factory.project(
            organization,
            "models",
            visibility=ProjectVisibility.INTERNAL,
            features=frozenset({ProjectFeature.MODEL}),
        )
        if org == "acme":
            await factory.project(
                organization,
                "mixed",
                visibility=ProjectVisibility.INTERNAL,
                features=frozenset({ProjectFeature.RUNTIME, ProjectFeature.COMPONENT}),
            )
            await factory.member(organization, people["ada"], OrganizationRole.MEMBER)
            await factory.member(organization, people["tess"], OrganizationRole.OUTSIDER)
            await factory.member(organization, people["root"], OrganizationRole.ADMIN)
            await factory.team_member(team, people["tess"], TeamRole.MEMBER)
        else:
            await factory.member(organization, people["gil"], OrganizationRole.MEMBER)
    return World(people["ada"], people["tess"], people["root"], people["gil"], versions)


def references(*projects: str) -> set[str]:
    return {f"{project}:{version}" for project in projects for version in VERSIONS}


def viewer(world: World, name: str) -> Person | None:
    return None if name == "anonymous" else getattr(world, name)


# What each viewer may read, straight from authz.md: PUBLIC everyone; INTERNAL the members of
# its organization (not OUTSIDERs); PRIVATE its organization's ADMINs (and up) and grantees.
EXPECTED = {
    "anonymous": references("acme/pub", "globex/pub"),
    "ada": references("acme/pub", "acme/int", "globex/pub"),
    "tess": references("acme/pub", "acme/crew", "globex/pub"),
    "root": references("acme/pub", "acme/int", "acme/priv", "acme/crew", "globex/pub"),
    "gil": references("acme/pub", "globex/pub", "globex/int"),
}


class TestHub:
    @pytest.mark.parametrize("who", list(EXPECTED))
    async def test_lists_exactly_what_the_viewer_may_read(
        self, gql: GraphQLClient, world: World, who: str
    ) -> None:
        data = await gql.data(HUB, {"n": 100}, as_=viewer(world, who))
        seen = [edge["node"]["reference"] for edge in data["hub"]["edges"]]
        assert len(seen) == len(set(seen))
        assert set(seen) == EXPECTED[who]
        assert data["hub"]["totalCount"] == len(EXPECTED[who])

    @pytest.mark.parametrize("who", list(EXPECTED))
    async def test_pages_are_full_and_the_count_is_honest(
        self, gql: GraphQLClient, world: World, who: str
    ) -> None:
        """Filtered in SQL: a page of 3 holds 3 readable versions, however many are hidden."""
        query = """
        query($after: String) { hub(first: 3, after: $after) {
          totalCount pageInfo { hasNextPage endCursor } edges { node { reference } }
        } }
        """
        seen: list[str] = []
        after: str | None = None
        while True:
            page = (await gql.data(query, {"after": after}, as_=viewer(world, who)))["hub"]
            assert page["totalCount"] == len(EXPECTED[who])
            edges = page["edges"]
            seen += [edge["node"]["reference"] for edge in edges]
            if not page["pageInfo"]["hasNextPage"]:
                break
            assert len(edges) == 3
            after = page["pageInfo"]["endCursor"]
        assert sorted(seen) == sorted(EXPECTED[who])


class TestComponentVersionByReference:
    @pytest.mark.parametrize("who", list(EXPECTED))
    async def test_every_version_resolves_only_for_its_readers(
        self, gql: GraphQLClient, world: World, who: str
    ) -> None:
        for reference, version_id in world.versions.items():
            readable = reference in EXPECTED[who]
            by_reference = await gql.data(BY_REFERENCE, {"ref": reference}, as_=viewer(world, who))
            expected = {"reference": reference} if readable else None
            assert by_reference["componentVersion"] == expected, (who, reference)
            node = await gql.data(
                NODE, {"id": global_id("ComponentVersion", version_id)}, as_=viewer(world, who)
            )
            assert node["node"] == expected, (who, reference)

    @pytest.mark.parametrize(
        ("who", "name", "found"),
        [
            ("anonymous", "priv", None),
            ("gil", "priv", None),  # globex/priv is not granted to gil either
            ("root", "priv", "acme/priv:2.0"),  # globex/priv exists, but not for root
            ("tess", "crew", "acme/crew:2.0"),
            ("ada", "crew", None),
            ("ada", "int", "acme/int:2.0"),
            ("gil", "int", "globex/int:2.0"),
        ],
    )
    async def test_without_an_owner_only_readable_components_count(
        self, gql: GraphQLClient, world: World, who: str, name: str, found: str | None
    ) -> None:
        data = await gql.data(BY_REFERENCE, {"ref": name}, as_=viewer(world, who))
        assert data["componentVersion"] == (None if found is None else {"reference": found})

    async def test_a_name_two_owners_share_is_ambiguous_for_who_reads_both(
        self, gql: GraphQLClient, world: World
    ) -> None:
        body = await gql(BY_REFERENCE, {"ref": "pub:1.0"})
        assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"]
        assert "acme/pub" in body["errors"][0]["message"]
        assert "globex/pub" in body["errors"][0]["message"]


class TestOrganizationComponents:
    @pytest.mark.parametrize(
        ("who", "org", "expected"),
        [
            ("ada", "acme", ["int", "mixed", "pub"]),
            ("root", "acme", ["crew", "int", "mixed", "priv", "pub"]),
            ("tess", "acme", ["crew", "pub"]),
            ("gil", "acme", ["pub"]),
            ("anonymous", "acme", ["pub"]),
            ("gil", "globex", ["int", "pub"]),
        ],
    )
    async def test_lists_component_projects_only(
        self, gql: GraphQLClient, world: World, who: str, org: str, expected: list[str]
    ) -> None:
        data = await gql.data(COMPONENTS, {"org": org}, as_=viewer(world, who))
        components = data["organization"]["components"]
        assert sorted(edge["node"]["name"] for edge in components["edges"]) == expected
        assert components["totalCount"] == len(expected)
        assert all("COMPONENT" in edge["node"]["features"] for edge in components["edges"])
