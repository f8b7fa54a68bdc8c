"""Projects over HTTP: creation rules, settings, access grants, promotion sources, activity."""

from typing import Any

import pytest

from app.organizations.models import OrganizationRole
from app.projects.models import ProjectFeature, ProjectRole, ProjectVisibility
from app.teams.models import TeamRole
from tests.helpers import Factory, GraphQLClient, Person, error_codes, global_id

CREATE = """
mutation($input: CreateProjectInput!) {
  createProject(input: $input) {
    project { id name fullName visibility features tags viewerRole createdBy { username } }
    userErrors { field code message }
  }
}
"""


class Org:
    def __init__(self, owner: Person, organization_id: int) -> None:
        self.owner = owner
        self.id = organization_id
        self.gid = global_id("Organization", organization_id)


@pytest.fixture
async def acme(factory: Factory) -> Org:
    owner = await factory.user("owner")
    return Org(owner, await factory.organization("acme", owner=owner))


async def create(gql: GraphQLClient, org: Org, as_: Person | None = None, **fields: Any) -> Any:
    body = await gql(CREATE, {"input": {"organizationId": org.gid, **fields}}, as_=as_ or org.owner)
    # A refused viewer's payload is null: the body (its errors) is the answer then.
    return body["data"]["createProject"] if (body.get("data") or {}).get("createProject") else body


class TestCreateProject:
    async def test_defaults_private_with_runtime(self, gql: GraphQLClient, acme: Org) -> None:
        payload = await create(gql, acme, name="Vision", tags=["CV", "cv"])
        assert payload["userErrors"] == []
        assert payload["project"] == {
            "id": payload["project"]["id"],
            "name": "vision",
            "fullName": "acme/vision",
            "visibility": "PRIVATE",
            "features": ["RUNTIME"],
            "tags": ["cv"],
            "viewerRole": "ADMIN",
            "createdBy": {"username": "owner"},
        }

    async def test_names_are_unique_in_the_organization_case_insensitively(
        self, gql: GraphQLClient, factory: Factory, acme: Org
    ) -> None:
        await create(gql, acme, name="vision")
        before = await factory.row_counts()
        payload = await create(gql, acme, name="VISION")
        assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [("name", "TAKEN")]
        assert await factory.row_counts() == before
        other_owner = await factory.user("other")
        other = Org(other_owner, await factory.organization("other", owner=other_owner))
        assert (await create(gql, other, name="vision"))["userErrors"] == []

    @pytest.mark.parametrize(
        ("fields", "field"),
        [
            ({"name": "-bad"}, "name"),
            ({"name": "ok", "features": []}, "features"),
            ({"name": "ok", "tags": ["a,b"]}, "tags"),
            ({"name": "ok", "tags": [f"t{i}" for i in range(21)]}, "tags"),
            ({"name": "ok", "description": "d" * 2001}, "description"),
        ],
        ids=["name", "no-features", "tag-with-comma", "too-many-tags", "long-description"],
    )
    async def test_invalid_input_changes_nothing(
        self, gql: GraphQLClient, factory: Factory, acme: Org, fields: dict[str, Any], field: str
    ) -> None:
        before = await factory.row_counts()
        payload = await create(gql, acme, **fields)
        assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [(field, "INVALID")]
        assert await factory.row_counts() == before

    async def test_a_member_may_not_create_projects(
        self, gql: GraphQLClient, factory: Factory, acme: Org
    ) -> None:
        member = await factory.user("member")
        await factory.member(acme.id, member, OrganizationRole.MEMBER)
        body = await create(gql, acme, as_=member, name="nope")
        assert error_codes(body) == ["FORBIDDEN"]


UPDATE = """
mutation($input: UpdateProjectInput!) {
  updateProject(input: $input) {
    project { description readme tags visibility features updatedAt }
    userErrors { field code }
  }
}
"""


class TestUpdateProject:
    async def test_only_given_fields_change(
        self, gql: GraphQLClient, factory: Factory, acme: Org
    ) -> None:
        project = await factory.project(acme.id, "vision", tags=["cv"])
        gid = global_id("Project", project)
        data = await gql.data(
            UPDATE,
            {"input": {"id": gid, "description": "Eyes", "features": ["RUNTIME", "MODEL"]}},
            as_=acme.owner,
        )
        assert data["updateProject"]["project"]["description"] == "Eyes"
        assert data["updateProject"]["project"]["tags"] == ["cv"]
        assert data["updateProject"]["project"]["features"] == ["RUNTIME", "MODEL"]
        models = await gql.data(
            '{ organization(name: "acme") { models { edges { node { name } } } '
            "components { totalCount } } }",
            as_=acme.owner,
        )
        assert models["organization"]["models"]["edges"] == [{"node": {"name": "vision"}}]
        assert models["organization"]["components"]["totalCount"] == 0


ACCESS = """
mutation($input: SetProjectAccessInput!) {
  setProjectAccess(input: $input) {
    grant { role grantee { __typename ... on User { username } ... on Team { name } } }
    userErrors { field code message }
  }
}
"""


class TestProjectAccess:
    async def test_grants_to_users_and_teams_give_the_strongest_role(
        self, gql: GraphQLClient, factory: Factory, acme: Org
    ) -> None:
        ann = await factory.user("ann")
        await factory.member(acme.id, ann, OrganizationRole.OUTSIDER)
        team = await factory.team(acme.id, "ml")
        await factory.team_member(team, ann, TeamRole.MEMBER)
        project = await factory.project(acme.id, "secret")
        gid = global_id("Project", project)
        role = "query($id: ID!) { node(id: $id) { ... on Project { viewerRole } } }"
        assert (await gql.data(role, {"id": gid}, as_=ann))["node"] is None
        data = await gql.data(
            ACCESS, {"input": {"projectId": gid, "team": "ml", "role": "VIEWER"}}, as_=acme.owner
        )
        assert data["setProjectAccess"]["grant"] == {
            "role": "VIEWER",
            "grantee": {"__typename": "Team", "name": "ml"},
        }
        assert (await gql.data(role, {"id": gid}, as_=ann))["node"] == {"viewerRole": "VIEWER"}
        await gql.data(
            ACCESS,
            {"input": {"projectId": gid, "username": "ann", "role": "WRITER"}},
            as_=acme.owner,
        )
        assert (await gql.data(role, {"id": gid}, as_=ann))["node"] == {"viewerRole": "WRITER"}
        team_projects = await gql.data(
            '{ organization(name: "acme") { team(name: "ml") { projects { totalCount'
            " edges { node { role project { name } } } } } } }",
            as_=ann,
        )
        assert team_projects["organization"]["team"]["projects"]["edges"] == [
            {"node": {"role": "VIEWER", "project": {"name": "secret"}}}
        ]
        listing = await gql.data(
            "query($id: ID!) { node(id: $id) { ... on Project { access { totalCount } } } }",
            {"id": gid},
            as_=acme.owner,
        )
        assert listing["node"]["access"]["totalCount"] == 2

    @pytest.mark.parametrize(
        ("grantee", "field", "code"),
        [
            ({"username": "nobody"}, "username", "NOT_FOUND"),
            ({"username": "stranger"}, "username", "INVALID"),
            ({"team": "nope"}, "team", "NOT_FOUND"),
            ({}, "username", "INVALID"),
            ({"username": "owner", "team": "ml"}, "username", "INVALID"),
        ],
        ids=["unknown-user", "not-a-member", "unknown-team", "no-grantee", "two-grantees"],
    )
    async def test_bad_grantees(
        self,
        gql: GraphQLClient,
        factory: Factory,
        acme: Org,
        grantee: dict[str, str],
        field: str,
        code: str,
    ) -> None:
        await factory.user("stranger")
        await factory.team(acme.id, "ml")
        project = global_id("Project", await factory.project(acme.id, "p"))
        before = await factory.row_counts()
        data = await gql.data(
            ACCESS, {"input": {"projectId": project, "role": "VIEWER", **grantee}}, as_=acme.owner
        )
        errors = data["setProjectAccess"]["userErrors"]
        assert [(e["field"], e["code"]) for e in errors] == [(field, code)]
        assert await factory.row_counts() == before

    async def test_removing_access_takes_the_project_away(
        self, gql: GraphQLClient, factory: Factory, acme: Org
    ) -> None:
        ann = await factory.user("ann")
        await factory.member(acme.id, ann, OrganizationRole.OUTSIDER)
        project = await factory.project(acme.id, "secret")
        await factory.grant(project, ProjectRole.WRITER, person=ann)
        gid = global_id("Project", project)
        query = "query($id: ID!) { node(id: $id) { id } }"
        assert (await gql.data(query, {"id": gid}, as_=ann))["node"] == {"id": gid}
        data = await gql.data(
            'mutation($id: ID!) { removeProjectAccess(input: {projectId: $id, username: "ann"})'
            " { grant { role } userErrors { code } } }",
            {"id": gid},
            as_=acme.owner,
        )
        assert data["removeProjectAccess"]["grant"] == {"role": "WRITER"}
        assert (await gql.data(query, {"id": gid}, as_=ann))["node"] is None


SOURCES = """
mutation($id: ID!, $sources: [ID!]!) {
  setPromotionSources(input: {projectId: $id, sourceIds: $sources}) {
    project { promotionSources { name } } userErrors { field code message }
  }
}
"""


class TestPromotionSources:
    async def test_sources_come_from_the_same_organization(
        self, gql: GraphQLClient, factory: Factory, acme: Org
    ) -> None:
        registry = global_id(
            "Project",
            await factory.project(acme.id, "registry", features=frozenset({ProjectFeature.MODEL})),
        )
        training = global_id("Project", await factory.project(acme.id, "training"))
        data = await gql.data(SOURCES, {"id": registry, "sources": [training]}, as_=acme.owner)
        assert data["setPromotionSources"]["project"]["promotionSources"] == [
            {"name": "registry"},
            {"name": "training"},
        ]
        other_owner = await factory.user("other")
        other = await factory.organization("other", owner=other_owner)
        foreign = global_id(
            "Project", await factory.project(other, "open", visibility=ProjectVisibility.PUBLIC)
        )
        secret = global_id("Project", await factory.project(other, "secret"))
        before = await factory.row_counts()
        data = await gql.data(SOURCES, {"id": registry, "sources": [foreign]}, as_=acme.owner)
        assert [(e["field"], e["code"]) for e in data["setPromotionSources"]["userErrors"]] == [
            ("sourceIds", "INVALID")
        ]
        data = await gql.data(SOURCES, {"id": registry, "sources": [secret]}, as_=acme.owner)
        assert [(e["field"], e["code"]) for e in data["setPromotionSources"]["userErrors"]] == [
            ("sourceIds", "NOT_FOUND")
        ]
        assert await factory.row_counts() == before


class TestActivity:
    async def test_each_successful_mutation_is_one_activity_row(
        self, gql: GraphQLClient, acme: Org
    ) -> None:
        project = (await create(gql, acme, name="vision"))["project"]["id"]
        await gql.data(UPDATE, {"input": {"id": project, "description": "x"}}, as_=acme.owner)
        await create(gql, acme, name="vision")  # TAKEN: no row
        data = await gql.data(
            '{ organization(name: "acme") { activity { totalCount edges { node {'
            " verb actor { username } subject { ... on Project { name } } details } } } } }",
            as_=acme.owner,
        )
        activity = data["organization"]["activity"]
        assert activity["totalCount"] == 2
        assert [edge["node"]["verb"] for edge in activity["edges"]] == [
            "project.updated",
            "project.created",
        ]
        assert activity["edges"][1]["node"]["subject"] == {"name": "vision"}
        assert activity["edges"][1]["node"]["actor"] == {"username": "owner"}

    async def test_filters_by_verb_and_actor(
        self, gql: GraphQLClient, factory: Factory, acme: Org
    ) -> None:
        admin = await factory.user("admin")
        await factory.member(acme.id, admin, OrganizationRole.ADMIN)
        await create(gql, acme, name="one")
        await create(gql, acme, as_=admin, name="two")
        data = await gql.data(
            '{ organization(name: "acme") { activity(filter: {verbs: ["project.created"],'
            ' actor: "admin"}) { edges { node { details } } } } }',
            as_=acme.owner,
        )
        assert [
            e["node"]["details"]["name"] for e in data["organization"]["activity"]["edges"]
        ] == ["two"]
