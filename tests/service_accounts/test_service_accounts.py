"""Service accounts over HTTP: created by OWNERs and MANAGERs with a role (never OWNER), granted
project access like a user, signing in with tokens of their own that their managers issue, see
and revoke, named in activity and `createdBy`, and gone with their tokens when deleted."""

from typing import Any

import pytest

from app.organizations.models import OrganizationRole
from app.projects.models import ProjectFeature, ProjectVisibility
from tests.helpers import Factory, GraphQLClient, Person, error_codes, global_id

CREATE = """mutation($org: ID!, $username: String!, $role: OrganizationRole!) {
  createServiceAccount(input: {organizationId: $org, username: $username, role: $role,
                               description: "CI"}) {
    serviceAccount { id role description user { username kind } createdBy { username } }
    userErrors { field code message } } }"""
TOKEN = """mutation($id: ID!) {
  createServiceAccountToken(input: {serviceAccountId: $id, name: "github-actions"}) {
    token accessToken { id name readOnly } userErrors { field code } } }"""
GRANT = """mutation($project: ID!, $username: String!) {
  setProjectAccess(input: {projectId: $project, username: $username, role: WRITER}) {
    grant { role } } }"""
CREATE_RUN = """mutation($project: ID!) {
  createRun(input: {projectId: $project, name: "nightly"}) {
    run { name createdBy { username kind } } userErrors { code } } }"""
ACCOUNTS = """query { organization(name: "acme") {
  serviceAccounts { totalCount edges { node { user { username } role
    viewerCan { update delete manageTokens } tokens { totalCount } } } } } }"""


class Acme:
    def __init__(self, factory: Factory) -> None:
        self.factory = factory

    async def build(self) -> "Acme":
        factory = self.factory
        self.owner = await factory.user("owner")
        self.manager = await factory.user("manager")
        self.admin = await factory.user("admin")
        self.member = await factory.user("member")
        self.id = await factory.organization("acme", owner=self.owner)
        await factory.member(self.id, self.manager, OrganizationRole.MANAGER)
        await factory.member(self.id, self.admin, OrganizationRole.ADMIN)
        await factory.member(self.id, self.member, OrganizationRole.MEMBER)
        features = frozenset({ProjectFeature.RUNTIME, ProjectFeature.MODEL})
        self.vision = await factory.project(
            self.id, "vision", visibility=ProjectVisibility.PRIVATE, features=features
        )
        return self

    @property
    def gid(self) -> str:
        return global_id("Organization", self.id)


@pytest.fixture
async def acme(factory: Factory) -> Acme:
    return await Acme(factory).build()


async def create(
    gql: GraphQLClient, acme: Acme, as_: Person, username: str = "acme-ci", role: str = "MEMBER"
) -> dict[str, Any]:
    body = await gql(CREATE, {"org": acme.gid, "username": username, "role": role}, as_=as_)
    payload: dict[str, Any] = (body.get("data") or {}).get("createServiceAccount") or {}
    return {"body": body, **payload}


async def test_a_service_account_works_like_a_member_and_is_named_in_activity(
    gql: GraphQLClient, acme: Acme
) -> None:
    created = await create(gql, acme, acme.manager)
    account = created["serviceAccount"]
    assert account["role"] == "MEMBER"
    assert account["user"] == {"username": "acme-ci", "kind": "SERVICE_ACCOUNT"}
    assert account["createdBy"] == {"username": "manager"}
    issued = await gql.data(TOKEN, {"id": account["id"]}, as_=acme.owner)
    token = issued["createServiceAccountToken"]["token"]
    assert token.startswith("hubql_")

    viewer = await gql.data("{ viewer { username kind } }", token=token)
    assert viewer == {"viewer": {"username": "acme-ci", "kind": "SERVICE_ACCOUNT"}}
    project = global_id("Project", acme.vision)
    # Like any member: no access to a PRIVATE project until granted.
    assert error_codes(await gql(CREATE_RUN, {"project": project}, token=token)) == ["NOT_FOUND"]
    await gql.data(GRANT, {"project": project, "username": "acme-ci"}, as_=acme.owner)
    run = await gql.data(CREATE_RUN, {"project": project}, token=token)
    assert run["createRun"]["run"]["createdBy"] == {
        "username": "acme-ci",
        "kind": "SERVICE_ACCOUNT",
    }
    activity = await gql.data(
        '{ organization(name: "acme") { activity(first: 1) { edges { node { verb actor'
        " { username kind } } } } } }",
        as_=acme.owner,
    )
    [edge] = activity["organization"]["activity"]["edges"]
    assert edge["node"] == {
        "verb": "run.created",
        "actor": {"username": "acme-ci", "kind": "SERVICE_ACCOUNT"},
    }


async def test_members_see_service_accounts_and_managers_their_tokens(
    gql: GraphQLClient, acme: Acme
) -> None:
    created = await create(gql, acme, acme.owner)
    await gql.data(TOKEN, {"id": created["serviceAccount"]["id"]}, as_=acme.owner)
    as_manager = await gql.data(ACCOUNTS, as_=acme.manager)
    [edge] = as_manager["organization"]["serviceAccounts"]["edges"]
    assert edge["node"]["viewerCan"] == {"update": True, "delete": True, "manageTokens": True}
    assert edge["node"]["tokens"] == {"totalCount": 1}
    as_member = await gql(ACCOUNTS, as_=acme.member)
    [edge] = as_member["data"]["organization"]["serviceAccounts"]["edges"]
    assert edge["node"]["user"] == {"username": "acme-ci"}
    assert edge["node"]["viewerCan"] == {"update": False, "delete": False, "manageTokens": False}
    assert edge["node"]["tokens"] is None
    assert error_codes(as_member) == ["FORBIDDEN"]
    outsider = await acme.factory.user("stranger")
    seen = await gql.data(ACCOUNTS, as_=outsider)
    assert seen == {"organization": None}


@pytest.mark.parametrize("viewer", ["admin", "member"])
async def test_only_owners_and_managers_create_them(
    gql: GraphQLClient, acme: Acme, viewer: str
) -> None:
    before = await acme.factory.row_counts()
    created = await create(gql, acme, getattr(acme, viewer))
    assert error_codes(created["body"]) == ["FORBIDDEN"]
    assert await acme.factory.row_counts() == before


async def test_a_service_account_never_holds_owner(gql: GraphQLClient, acme: Acme) -> None:
    created = await create(gql, acme, acme.owner, role="OWNER")
    assert created["serviceAccount"] is None
    assert created["userErrors"] == [
        {
            "field": "role",
            "code": "INVALID",
            "message": "A service account cannot hold the OWNER role.",
        }
    ]
    account = (await create(gql, acme, acme.owner))["serviceAccount"]
    update = await gql(
        "mutation($id: ID!) { updateServiceAccount(input: {id: $id, role: OWNER})"
        " { serviceAccount { role } userErrors { field code } } }",
        {"id": account["id"]},
        as_=acme.owner,
    )
    assert update["data"]["updateServiceAccount"]["userErrors"] == [
        {"field": "role", "code": "INVALID"}
    ]
    member_route = await gql(
        "mutation($org: ID!) { updateOrganizationMemberRole(input: {organizationId: $org,"
        ' username: "acme-ci", role: OWNER}) { member { role } userErrors { field code } } }',
        {"org": acme.gid},
        as_=acme.owner,
    )
    assert member_route["data"]["updateOrganizationMemberRole"]["userErrors"] == [
        {"field": "role", "code": "INVALID"}
    ]


async def test_a_manager_grants_no_role_above_their_own(gql: GraphQLClient, acme: Acme) -> None:
    created = await create(gql, acme, acme.manager, role="MANAGER")
    assert created["serviceAccount"]["role"] == "MANAGER"
    refused = await create(gql, acme, acme.manager, username="acme-deploy", role="OWNER")
    assert error_codes(refused["body"]) == ["FORBIDDEN"]


async def test_its_token_cannot_mint_tokens_or_organizations(
    gql: GraphQLClient, acme: Acme
) -> None:
    account = (await create(gql, acme, acme.owner, role="ADMIN"))["serviceAccount"]
    token = (await gql.data(TOKEN, {"id": account["id"]}, as_=acme.owner))[
        "createServiceAccountToken"
    ]["token"]
    for document in (
        'mutation { createAccessToken(input: {name: "more"}) { token } }',
        'mutation { createOrganization(input: {name: "robots"}) { organization { id } } }',
    ):
        assert error_codes(await gql(document, token=token)) == ["FORBIDDEN"]


async def test_it_belongs_to_one_organization(gql: GraphQLClient, acme: Acme) -> None:
    await create(gql, acme, acme.owner)
    globex = await acme.factory.organization("globex", owner=acme.owner)
    body = await gql(
        "mutation($org: ID!) { addOrganizationMember(input: {organizationId: $org,"
        ' username: "acme-ci", role: MEMBER}) { member { role } userErrors { field code } } }',
        {"org": global_id("Organization", globex)},
        as_=acme.owner,
    )
    assert body["data"]["addOrganizationMember"]["userErrors"] == [
        {"field": "username", "code": "INVALID"}
    ]


async def test_revoking_or_deleting_stops_its_tokens(gql: GraphQLClient, acme: Acme) -> None:
    account = (await create(gql, acme, acme.owner))["serviceAccount"]
    issued = []
    for _ in range(2):
        payload = (await gql.data(TOKEN, {"id": account["id"]}, as_=acme.owner))[
            "createServiceAccountToken"
        ]
        issued.append((payload["accessToken"]["id"], payload["token"]))
    (first_id, first), (_, second) = issued
    # A member may not revoke it; a manager may.
    revoke = "mutation($id: ID!) { revokeAccessToken(input: {id: $id}) { accessToken { id } } }"
    assert error_codes(await gql(revoke, {"id": first_id}, as_=acme.member)) == ["NOT_FOUND"]
    await gql.data(revoke, {"id": first_id}, as_=acme.manager)
    assert await signs_in(gql, first) == 401
    assert (await gql.data("{ viewer { username } }", token=second))["viewer"]["username"]
    deleted = await gql.data(
        "mutation($id: ID!) { deleteServiceAccount(input: {id: $id}) { deletedId } }",
        {"id": account["id"]},
        as_=acme.manager,
    )
    assert deleted["deleteServiceAccount"]["deletedId"] == account["id"]
    assert await signs_in(gql, second) == 401
    listed = await gql.data(ACCOUNTS, as_=acme.owner)
    assert listed["organization"]["serviceAccounts"]["totalCount"] == 0


async def signs_in(gql: GraphQLClient, token: str) -> int:
    response = await gql.post("{ viewer { id } }", token=token)
    if response.status_code == 401:
        assert error_codes(response.json()) == ["UNAUTHENTICATED"]
    return response.status_code


async def test_its_token_may_be_narrowed(gql: GraphQLClient, acme: Acme) -> None:
    account = (await create(gql, acme, acme.owner, role="ADMIN"))["serviceAccount"]
    body = await gql.data(
        "mutation($id: ID!, $p: ID!) { createServiceAccountToken(input: {serviceAccountId: $id,"
        ' name: "ro", readOnly: true, projectIds: [$p]}) { token accessToken { readOnly'
        " projects { name } } } }",
        {"id": account["id"], "p": global_id("Project", acme.vision)},
        as_=acme.owner,
    )
    payload = body["createServiceAccountToken"]
    assert payload["accessToken"] == {"readOnly": True, "projects": [{"name": "vision"}]}
    refused = await gql(CREATE_RUN, {"project": global_id("Project", acme.vision)},
                        token=payload["token"])  # fmt: skip
    assert error_codes(refused) == ["FORBIDDEN"]
