"""Every root field and mutation has an authorization path: probed as outsiders, each one either
refuses or shows nothing. A new root field without a probe here fails the suite."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from starlette.applications import Starlette

from app.graphql.schema import Mutation, Query
from app.organizations.models import OrganizationRole
from app.projects.models import ProjectFeature, ProjectVisibility
from app.teams.models import TeamRole
from tests.helpers import Factory, GraphQLClient, Person, error_codes, global_id


@dataclass
class Target:
    organization_id: int
    organization: str
    team: str
    token: str
    project: str
    run: str
    version: str
    component: str
    webhook: str
    delivery: str
    service_account: str
    owner: Person
    connection: str


Probe = tuple[str, Callable[[Target], dict[str, Any]]]

QUERY_PROBES: dict[str, Probe] = {
    "node": ("query($id: ID!) { node(id: $id) { id } }", lambda t: {"id": t.organization}),
    "nodes": (
        "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
        lambda t: {
            "ids": [
                t.organization,
                t.team,
                t.token,
                t.project,
                t.run,
                t.version,
                t.component,
                t.connection,
            ]
        },
    ),
    "viewer": ("{ viewer { id } }", lambda _: {}),
    "rateLimit": ("{ rateLimit { limit cost remaining } }", lambda _: {}),
    "user": ('{ user(username: "owner") { email accessTokens { totalCount } } }', lambda _: {}),
    "organization": ('{ organization(name: "private") { id } }', lambda _: {}),
    "organizations": ("{ organizations { totalCount edges { node { id } } } }", lambda _: {}),
    "project": ('{ project(owner: "private", name: "secret") { id } }', lambda _: {}),
    "modelVersion": ('{ modelVersion(reference: "private/secret:v1") { id } }', lambda _: {}),
    "hub": ("{ hub { totalCount edges { node { id } } } }", lambda _: {}),
    "componentVersion": (
        '{ componentVersion(reference: "private/secret:c1") { id } }',
        lambda _: {},
    ),
}

MUTATION_PROBES: dict[str, Probe] = {
    "createAccessToken": (
        'mutation { createAccessToken(input: {name: "x"}) { token } }',
        lambda _: {},
    ),
    "revokeAccessToken": (
        "mutation($id: ID!) { revokeAccessToken(input: {id: $id}) { accessToken { id } } }",
        lambda t: {"id": t.token},
    ),
    "createOrganization": (
        'mutation { createOrganization(input: {name: "new"}) { organization { id } } }',
        lambda _: {},
    ),
    "updateOrganization": (
        'mutation($id: ID!) { updateOrganization(input: {id: $id, description: "x"})'
        " { organization { id } } }",
        lambda t: {"id": t.organization},
    ),
    "deleteOrganization": (
        'mutation($id: ID!) { deleteOrganization(input: {id: $id, confirmName: "private"})'
        " { deletedId } }",
        lambda t: {"id": t.organization},
    ),
    "addOrganizationMember": (
        "mutation($id: ID!) { addOrganizationMember(input: {organizationId: $id,"
        ' username: "probe", role: OWNER}) { member { role } } }',
        lambda t: {"id": t.organization},
    ),
    "updateOrganizationMemberRole": (
        "mutation($id: ID!) { updateOrganizationMemberRole(input: {organizationId: $id,"
        ' username: "owner", role: VIEWER}) { member { role } } }',
        lambda t: {"id": t.organization},
    ),
    "removeOrganizationMember": (
        "mutation($id: ID!) { removeOrganizationMember(input: {organizationId: $id,"
        ' username: "owner"}) { member { role } } }',
        lambda t: {"id": t.organization},
    ),
    "createTeam": (
        'mutation($id: ID!) { createTeam(input: {organizationId: $id, name: "t"})'
        " { team { id } } }",
        lambda t: {"id": t.organization},
    ),
    "updateTeam": (
        'mutation($id: ID!) { updateTeam(input: {id: $id, name: "t2"}) { team { id } } }',
        lambda t: {"id": t.team},
    ),
    "deleteTeam": (
        "mutation($id: ID!) { deleteTeam(input: {id: $id}) { deletedId } }",
        lambda t: {"id": t.team},
    ),
    "addTeamMember": (
        'mutation($id: ID!) { addTeamMember(input: {teamId: $id, username: "probe"})'
        " { member { role } } }",
        lambda t: {"id": t.team},
    ),
    "updateTeamMemberRole": (
        'mutation($id: ID!) { updateTeamMemberRole(input: {teamId: $id, username: "owner",'
        " role: MAINTAINER}) { member { role } } }",
        lambda t: {"id": t.team},
    ),
    "removeTeamMember": (
        'mutation($id: ID!) { removeTeamMember(input: {teamId: $id, username: "owner"})'
        " { member { role } } }",
        lambda t: {"id": t.team},
    ),
}

PROJECT_ID = "mutation($id: ID!) { %s(input: {id: $id}) { userErrors { code } } }"
MUTATION_PROBES.update(
    {
        "createProject": (
            'mutation($id: ID!) { createProject(input: {organizationId: $id, name: "p"})'
            " { project { id } } }",
            lambda t: {"id": t.organization},
        ),
        "updateProject": (
            'mutation($id: ID!) { updateProject(input: {id: $id, description: "x"})'
            " { project { id } } }",
            lambda t: {"id": t.project},
        ),
        "archiveProject": (PROJECT_ID % "archiveProject", lambda t: {"id": t.project}),
        "unarchiveProject": (PROJECT_ID % "unarchiveProject", lambda t: {"id": t.project}),
        "deleteProject": (PROJECT_ID % "deleteProject", lambda t: {"id": t.project}),
        "setProjectAccess": (
            'mutation($id: ID!) { setProjectAccess(input: {projectId: $id, username: "probe",'
            " role: ADMIN}) { grant { role } } }",
            lambda t: {"id": t.project},
        ),
        "removeProjectAccess": (
            "mutation($id: ID!) { removeProjectAccess(input: {projectId: $id,"
            ' username: "owner"}) { grant { role } } }',
            lambda t: {"id": t.project},
        ),
        "createConnection": (
            'mutation($id: ID!) { createConnection(input: {organizationId: $id, name: "c",'
            ' kind: S3, settings: {bucket: "s3://b"}}) { connection { id } } }',
            lambda t: {"id": t.organization},
        ),
        "updateConnection": (
            'mutation($id: ID!) { updateConnection(input: {id: $id, description: "x"})'
            " { connection { id } } }",
            lambda t: {"id": t.connection},
        ),
        "deleteConnection": (
            "mutation($id: ID!) { deleteConnection(input: {id: $id}) { deletedId } }",
            lambda t: {"id": t.connection},
        ),
        "setProjectConnections": (
            "mutation($id: ID!, $c: ID!) { setProjectConnections(input: {projectId: $id,"
            " connectionIds: [$c]}) { project { id } } }",
            lambda t: {"id": t.project, "c": t.connection},
        ),
        "setPromotionSources": (
            "mutation($id: ID!) { setPromotionSources(input: {projectId: $id, sourceIds: []})"
            " { project { id } } }",
            lambda t: {"id": t.project},
        ),
        "createRun": (
            "mutation($id: ID!) { createRun(input: {projectId: $id}) { run { id } } }",
            lambda t: {"id": t.project},
        ),
        "updateRun": (
            'mutation($id: ID!) { updateRun(input: {id: $id, name: "x"}) { run { id } } }',
            lambda t: {"id": t.run},
        ),
        "promoteRun": (
            "mutation($id: ID!, $run: ID!) { promoteRun(input: {projectId: $id, runId: $run,"
            ' name: "v2"}) { modelVersion { id } } }',
            lambda t: {"id": t.project, "run": t.run},
        ),
        "createModelVersion": (
            'mutation($id: ID!) { createModelVersion(input: {projectId: $id, name: "v3"})'
            " { modelVersion { id } } }",
            lambda t: {"id": t.project},
        ),
        "updateModelVersion": (
            'mutation($id: ID!) { updateModelVersion(input: {id: $id, description: "x"})'
            " { modelVersion { id } } }",
            lambda t: {"id": t.version},
        ),
        "deleteModelVersion": (
            "mutation($id: ID!) { deleteModelVersion(input: {id: $id}) { deletedId } }",
            lambda t: {"id": t.version},
        ),
        "transitionModelVersionStage": (
            "mutation($id: ID!) { transitionModelVersionStage(input: {id: $id, stage: STAGING})"
            " { modelVersion { id } } }",
            lambda t: {"id": t.version},
        ),
        "setModelVersionAlias": (
            'mutation($id: ID!) { setModelVersionAlias(input: {versionId: $id, alias: "champion"})'
            " { modelVersion { id } } }",
            lambda t: {"id": t.version},
        ),
        "deleteModelVersionAlias": (
            "mutation($id: ID!) { deleteModelVersionAlias(input: {projectId: $id,"
            ' alias: "champion"}) { modelVersion { id } } }',
            lambda t: {"id": t.project},
        ),
        "publishComponentVersion": (
            'mutation($id: ID!) { publishComponentVersion(input: {projectId: $id, name: "c2",'
            ' spec: "kind: component\\nrun: {kind: job}"}) { componentVersion { id } } }',
            lambda t: {"id": t.project},
        ),
        "updateComponentVersion": (
            'mutation($id: ID!) { updateComponentVersion(input: {id: $id, description: "x"})'
            " { componentVersion { id } } }",
            lambda t: {"id": t.component},
        ),
        "deleteComponentVersion": (
            "mutation($id: ID!) { deleteComponentVersion(input: {id: $id}) { deletedId } }",
            lambda t: {"id": t.component},
        ),
        "transitionComponentVersionStage": (
            "mutation($id: ID!) { transitionComponentVersionStage(input: {id: $id,"
            " stage: STAGING}) { componentVersion { id } } }",
            lambda t: {"id": t.component},
        ),
        "setComponentVersionAlias": (
            "mutation($id: ID!) { setComponentVersionAlias(input: {versionId: $id,"
            ' alias: "stable"}) { componentVersion { id } } }',
            lambda t: {"id": t.component},
        ),
        "deleteComponentVersionAlias": (
            "mutation($id: ID!) { deleteComponentVersionAlias(input: {projectId: $id,"
            ' alias: "stable"}) { componentVersion { id } } }',
            lambda t: {"id": t.project},
        ),
        "deleteRun": (
            "mutation($id: ID!) { deleteRun(input: {id: $id}) { deletedId } }",
            lambda t: {"id": t.run},
        ),
        "createServiceAccount": (
            "mutation($id: ID!) { createServiceAccount(input: {organizationId: $id,"
            ' username: "robot", role: MEMBER}) { serviceAccount { id } } }',
            lambda t: {"id": t.organization},
        ),
        "updateServiceAccount": (
            "mutation($id: ID!) { updateServiceAccount(input: {id: $id, role: ADMIN})"
            " { serviceAccount { id } } }",
            lambda t: {"id": t.service_account},
        ),
        "deleteServiceAccount": (
            "mutation($id: ID!) { deleteServiceAccount(input: {id: $id}) { deletedId } }",
            lambda t: {"id": t.service_account},
        ),
        "createServiceAccountToken": (
            "mutation($id: ID!) { createServiceAccountToken(input: {serviceAccountId: $id,"
            ' name: "ci"}) { token } }',
            lambda t: {"id": t.service_account},
        ),
        "createWebhook": (
            'mutation($id: ID!) { createWebhook(input: {projectId: $id, url: "https://x.test/h",'
            ' events: ["*"]}) { secret } }',
            lambda t: {"id": t.project},
        ),
        "updateWebhook": (
            "mutation($id: ID!) { updateWebhook(input: {id: $id, active: false})"
            " { webhook { id } } }",
            lambda t: {"id": t.webhook},
        ),
        "deleteWebhook": (
            "mutation($id: ID!) { deleteWebhook(input: {id: $id}) { deletedId } }",
            lambda t: {"id": t.webhook},
        ),
        "redeliverWebhookDelivery": (
            "mutation($id: ID!) { redeliverWebhookDelivery(input: {id: $id}) { delivery { id } } }",
            lambda t: {"id": t.delivery},
        ),
    }
)

# Open to any signed-in user by the policy (and therefore expected to succeed for the probe).
OPEN_TO_SIGNED_IN = {"createAccessToken", "createOrganization"}


def _schema_fields(root: type) -> set[str]:
    definition = root.__strawberry_definition__  # type: ignore[attr-defined]
    return {field.graphql_name or _camel(field.python_name) for field in definition.fields}


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def test_every_root_field_has_a_probe(app: Starlette) -> None:
    assert _schema_fields(Query) == set(QUERY_PROBES)
    assert _schema_fields(Mutation) == set(MUTATION_PROBES)


@pytest.fixture
async def target(factory: Factory) -> Target:
    owner = await factory.user("owner")
    await factory.user("probe")
    organization = await factory.organization("private", owner=owner)
    team = await factory.team(organization, "core")
    await factory.team_member(team, owner, TeamRole.MAINTAINER)
    project = await factory.project(
        organization,
        "secret",
        visibility=ProjectVisibility.PRIVATE,
        features=frozenset(ProjectFeature),
    )
    run = await factory.run(project, "r")
    version = await factory.model_version(project, "v1", run_id=run)
    component = await factory.component_version(project, "c1")
    # Aliases the delete probes name: held, so only authorization stands in their way.
    await factory.alias(project, version, "champion")
    await factory.alias(project, component, "stable", component=True)
    webhook, delivery = await factory.webhook(project, url="https://x.test/h")
    account, _ = await factory.service_account(organization, "ci", OrganizationRole.MEMBER)
    connection = await factory.connection(organization, "bucket", projects=(project,))
    return Target(
        owner=owner,
        service_account=global_id("ServiceAccount", account),
        connection=global_id("ExternalConnection", connection),
        webhook=global_id("Webhook", webhook),
        delivery=global_id("WebhookDelivery", delivery),
        component=global_id("ComponentVersion", component),
        version=global_id("ModelVersion", version),
        project=global_id("Project", project),
        run=global_id("Run", run),
        organization_id=organization,
        organization=global_id("Organization", organization),
        team=global_id("Team", team),
        token=global_id("AccessToken", 1),
    )


@pytest.fixture
async def outsider(factory: Factory, target: Target) -> Person:
    return await factory.user("outsider")


@pytest.mark.parametrize("field", sorted(QUERY_PROBES))
@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "non-member"])
async def test_queries_show_outsiders_nothing(
    gql: GraphQLClient, target: Target, outsider: Person, field: str, signed_in: bool
) -> None:
    document, variables = QUERY_PROBES[field]
    body = await gql(document, variables(target), as_=outsider if signed_in else None)
    data = body.get("data") or {}
    value = data.get(field)
    if field == "viewer" and signed_in:
        assert value is not None  # the outsider sees themselves, and only that
        return
    if field == "rateLimit":
        assert value is not None
        assert value["cost"] == 1  # the viewer's own budget, nobody else's
        return
    if field == "user" and signed_in:
        # a public profile; the email and tokens are private
        assert error_codes(body) == ["FORBIDDEN"]
        return
    assert "errors" not in body, body
    assert value in (None, [None] * 8, {"totalCount": 0, "edges": []})


@pytest.mark.parametrize("field", sorted(MUTATION_PROBES))
@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "non-member"])
async def test_mutations_refuse_outsiders(
    gql: GraphQLClient,
    factory: Factory,
    target: Target,
    outsider: Person,
    field: str,
    signed_in: bool,
) -> None:
    document, variables = MUTATION_PROBES[field]
    before = await factory.row_counts()
    body = await gql(document, variables(target), as_=outsider if signed_in else None)
    if signed_in and field in OPEN_TO_SIGNED_IN:
        assert "errors" not in body, body
        return
    expected = {"UNAUTHENTICATED", "NOT_FOUND"} if not signed_in else {"NOT_FOUND"}
    assert error_codes(body), body
    assert set(error_codes(body)) <= expected, body
    assert await factory.row_counts() == before


async def test_the_probes_succeed_once_the_outsider_is_a_member(
    gql: GraphQLClient, factory: Factory, target: Target, outsider: Person
) -> None:
    """The probes are not vacuous: membership turns the refusals into answers."""
    await factory.member(target.organization_id, outsider, OrganizationRole.VIEWER)
    document, variables = QUERY_PROBES["node"]
    assert (await gql.data(document, variables(target), as_=outsider))["node"] == {
        "id": target.organization
    }
    document, variables = MUTATION_PROBES["updateOrganization"]
    assert error_codes(await gql(document, variables(target), as_=outsider)) == ["FORBIDDEN"]
