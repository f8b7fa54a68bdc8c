"""Scoped tokens over HTTP: a read-only token is refused every mutation (FORBIDDEN) and changes
nothing; a token limited to some projects sees every other project as missing, in lookups and in
lists, and changes nothing outside projects; neither mints a broader token."""

import pytest

from app.projects.models import ProjectFeature, ProjectVisibility
from tests.authz.test_every_root_field import MUTATION_PROBES, Target
from tests.helpers import Factory, GraphQLClient, Person, error_codes, global_id


@pytest.fixture
def owner(target: Target) -> Person:
    """The owner of everything the probes name (OWNER of `private`)."""
    return target.owner


@pytest.mark.parametrize("field", sorted(MUTATION_PROBES))
async def test_a_read_only_token_is_refused_every_mutation(
    gql: GraphQLClient, factory: Factory, target: Target, owner: Person, field: str
) -> None:
    token = await factory.token(owner, read_only=True)
    document, variables = MUTATION_PROBES[field]
    before = await factory.row_counts()
    body = await gql(document, variables(target), token=token)
    assert error_codes(body) == ["FORBIDDEN"], body
    assert await factory.row_counts() == before


async def test_a_read_only_token_reads_as_its_owner(
    gql: GraphQLClient, factory: Factory, target: Target, owner: Person
) -> None:
    token = await factory.token(owner, read_only=True)
    data = await gql.data(
        '{ project(owner: "private", name: "secret") { name runs { totalCount } } }', token=token
    )
    assert data == {"project": {"name": "secret", "runs": {"totalCount": 1}}}


@pytest.fixture
async def other_project(factory: Factory, target: Target) -> int:
    """A second project of the same organization, the only one the scoped token names."""
    return await factory.project(
        target.organization_id,
        "other",
        visibility=ProjectVisibility.PRIVATE,
        features=frozenset(ProjectFeature),
    )


LOOKUPS = """query($project: ID!, $run: ID!, $version: ID!) {
  project(owner: "private", name: "secret") { id }
  modelVersion(reference: "private/secret:v1") { id }
  nodes(ids: [$project, $run, $version]) { id }
  organization(name: "private") { name projects { totalCount edges { node { name } } } }
}"""


async def test_a_project_scoped_token_sees_other_projects_as_missing(
    gql: GraphQLClient, factory: Factory, target: Target, owner: Person, other_project: int
) -> None:
    token = await factory.token(owner, project_ids=[other_project])
    variables = {"project": target.project, "run": target.run, "version": target.version}
    data = await gql.data(LOOKUPS, variables, token=token)
    assert data["project"] is None
    assert data["modelVersion"] is None
    assert data["nodes"] == [None, None, None]
    # The organization is still there to walk through; its list holds the named project only,
    # and says so in its count.
    assert data["organization"] == {
        "name": "private",
        "projects": {"totalCount": 1, "edges": [{"node": {"name": "other"}}]},
    }
    # The owner's unscoped token sees both.
    unscoped = await gql.data(LOOKUPS, variables, as_=owner)
    assert unscoped["organization"]["projects"]["totalCount"] == 2


# Into the project outside the scope: it does not exist. Outside projects: nothing changes.
EXPECTED_REFUSALS = {
    **dict.fromkeys(
        ["createRun", "promoteRun", "updateProject", "transitionModelVersionStage"], "NOT_FOUND"
    ),
    **dict.fromkeys(
        [
            "createOrganization",
            "createProject",
            "updateOrganization",
            "addOrganizationMember",
            "createTeam",
            "createAccessToken",
            "createServiceAccount",
        ],
        "FORBIDDEN",
    ),
}


@pytest.mark.parametrize("field", sorted(MUTATION_PROBES))
async def test_a_project_scoped_token_changes_nothing_elsewhere(
    gql: GraphQLClient,
    factory: Factory,
    target: Target,
    owner: Person,
    other_project: int,
    field: str,
) -> None:
    """Every mutation, aimed at the probes' world (none of it in the token's project), is
    refused and changes nothing: NOT_FOUND in the other project, FORBIDDEN outside projects."""
    token = await factory.token(owner, project_ids=[other_project])
    document, variables = MUTATION_PROBES[field]
    before = await factory.row_counts()
    body = await gql(document, variables(target), token=token)
    codes = error_codes(body)
    assert len(codes) == 1, body
    assert codes[0] == EXPECTED_REFUSALS.get(field, codes[0]) in {"NOT_FOUND", "FORBIDDEN"}, body
    assert await factory.row_counts() == before


async def test_a_project_scoped_token_works_in_its_projects(
    gql: GraphQLClient, factory: Factory, target: Target, owner: Person, other_project: int
) -> None:
    token = await factory.token(owner, project_ids=[other_project])
    data = await gql.data(
        'mutation($id: ID!) { createRun(input: {projectId: $id, name: "scoped"})'
        " { run { name project { name } } userErrors { code } } }",
        {"id": global_id("Project", other_project)},
        token=token,
    )
    assert data["createRun"] == {
        "run": {"name": "scoped", "project": {"name": "other"}},
        "userErrors": [],
    }


async def test_the_token_says_its_scopes(
    gql: GraphQLClient, factory: Factory, target: Target, owner: Person, other_project: int
) -> None:
    """`createAccessToken` narrows a new token; the viewer's token list says how."""
    created = await gql.data(
        'mutation($p: ID!) { createAccessToken(input: {name: "ci", readOnly: true,'
        " projectIds: [$p]}) { token accessToken { readOnly projects { name } } } }",
        {"p": global_id("Project", other_project)},
        as_=owner,
    )
    payload = created["createAccessToken"]
    assert payload["accessToken"] == {"readOnly": True, "projects": [{"name": "other"}]}
    # The new token reads its project, and nothing else, and writes nothing.
    token = payload["token"]
    reads = await gql.data(LOOKUPS, {"project": target.project, "run": target.run,
                                     "version": target.version}, token=token)  # fmt: skip
    assert reads["organization"]["projects"]["totalCount"] == 1
    body = await gql(*_create_run(other_project), token=token)
    assert error_codes(body) == ["FORBIDDEN"]


def _create_run(project_id: int) -> tuple[str, dict[str, str]]:
    return (
        'mutation($id: ID!) { createRun(input: {projectId: $id, name: "r2"}) { run { id } } }',
        {"id": global_id("Project", project_id)},
    )


async def test_a_token_is_scoped_only_to_projects_its_owner_reads(
    gql: GraphQLClient, factory: Factory, target: Target
) -> None:
    stranger = await factory.user("stranger")
    body = await gql(
        'mutation($p: ID!) { createAccessToken(input: {name: "x", projectIds: [$p]})'
        " { token userErrors { field code } } }",
        {"p": target.project},
        as_=stranger,
    )
    assert body["data"]["createAccessToken"] == {
        "token": None,
        "userErrors": [{"field": "projectIds[0]", "code": "NOT_FOUND"}],
    }
