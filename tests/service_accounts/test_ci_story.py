"""Issue 15's CI story, over HTTP: an OWNER gives a pipeline its own identity (a service account
with WRITER on one project) and a token; the pipeline records a run, promotes it and moves
`@staging` onto the new version; it cannot move `@production` nor take a version into
PRODUCTION, cannot touch another project, and the project's activity names it."""

from typing import Any

from app.projects.models import ProjectFeature, ProjectVisibility
from app.versions.models import Stage
from tests.helpers import Factory, GraphQLClient, Person, error_codes, global_id

CREATE_ACCOUNT = """mutation($org: ID!) {
  createServiceAccount(input: {organizationId: $org, username: "fraud-ci", role: OUTSIDER,
                               description: "GitHub Actions"}) {
    serviceAccount { id } userErrors { code } } }"""
GRANT = """mutation($project: ID!) {
  setProjectAccess(input: {projectId: $project, username: "fraud-ci", role: WRITER}) {
    grant { role } userErrors { code } } }"""
TOKEN = """mutation($id: ID!) {
  createServiceAccountToken(input: {serviceAccountId: $id, name: "github-actions",
                                    expiresAt: "2099-01-01T00:00:00Z"}) { token } }"""
CREATE_RUN = """mutation($project: ID!) {
  createRun(input: {projectId: $project, name: "train-42", status: SUCCEEDED,
                    artifacts: [{name: "model", kind: MODEL, path: "s3://models/42"}]}) {
    run { id createdBy { username kind } } userErrors { code } } }"""
PROMOTE = """mutation($project: ID!, $run: ID!) {
  promoteRun(input: {projectId: $project, runId: $run, name: "v42", artifacts: ["model"]}) {
    modelVersion { id name stage createdBy { username } } userErrors { code } } }"""
SET_ALIAS = """mutation($version: ID!, $alias: String!) {
  setModelVersionAlias(input: {versionId: $version, alias: $alias}) {
    modelVersion { name aliases } previousModelVersion { name } userErrors { code } } }"""
TRANSITION = """mutation($version: ID!) {
  transitionModelVersionStage(input: {id: $version, stage: PRODUCTION}) {
    modelVersion { stage } userErrors { code } } }"""
ACTIVITY = """query {
  organization(name: "acme") {
    activity(first: 20, filter: {actor: "fraud-ci"}) {
      edges { node { verb actor { username kind } subject { __typename } } } } } }"""


async def test_a_pipeline_with_its_own_identity(gql: GraphQLClient, factory: Factory) -> None:
    owner = await factory.user("owner")
    acme = await factory.organization("acme", owner=owner)
    features = frozenset({ProjectFeature.RUNTIME, ProjectFeature.MODEL})
    fraud = await factory.project(
        acme, "fraud", visibility=ProjectVisibility.PRIVATE, features=features
    )
    other = await factory.project(
        acme, "vision", visibility=ProjectVisibility.PRIVATE, features=features
    )
    # PRODUCTION already serves v1, under @production.
    serving = await factory.model_version(fraud, "v1", stage=Stage.PRODUCTION)
    await gql.data(
        SET_ALIAS, {"version": global_id("ModelVersion", serving), "alias": "production"},
        as_=owner,
    )  # fmt: skip

    # The OWNER sets the pipeline up.
    created = await gql.data(CREATE_ACCOUNT, {"org": global_id("Organization", acme)}, as_=owner)
    account = created["createServiceAccount"]["serviceAccount"]["id"]
    granted = await gql.data(GRANT, {"project": global_id("Project", fraud)}, as_=owner)
    assert granted["setProjectAccess"]["grant"] == {"role": "WRITER"}
    token = (await gql.data(TOKEN, {"id": account}, as_=owner))["createServiceAccountToken"][
        "token"
    ]

    # The pipeline's work, with its token.
    async def as_ci(query: str, variables: dict[str, Any]) -> dict[str, Any]:
        return await gql(query, variables, token=token)

    project = global_id("Project", fraud)
    run = (await as_ci(CREATE_RUN, {"project": project}))["data"]["createRun"]["run"]
    assert run["createdBy"] == {"username": "fraud-ci", "kind": "SERVICE_ACCOUNT"}
    promoted = (await as_ci(PROMOTE, {"project": project, "run": run["id"]}))["data"]
    version = promoted["promoteRun"]["modelVersion"]
    assert (version["name"], version["stage"]) == ("v42", "TESTING")
    assert version["createdBy"] == {"username": "fraud-ci"}
    staged = (await as_ci(SET_ALIAS, {"version": version["id"], "alias": "staging"}))["data"]
    assert staged["setModelVersionAlias"] == {
        "modelVersion": {"name": "v42", "aliases": ["staging"]},
        "previousModelVersion": None,
        "userErrors": [],
    }

    # What a WRITER may not do: move @production off the PRODUCTION version, or into PRODUCTION.
    before = await factory.row_counts()
    moved = await as_ci(SET_ALIAS, {"version": version["id"], "alias": "production"})
    assert error_codes(moved) == ["FORBIDDEN"], moved
    into_production = await as_ci(TRANSITION, {"version": version["id"]})
    assert error_codes(into_production) == ["FORBIDDEN"], into_production
    # Another project does not exist for it.
    elsewhere = await as_ci(CREATE_RUN, {"project": global_id("Project", other)})
    assert error_codes(elsewhere) == ["NOT_FOUND"], elsewhere
    assert await factory.row_counts() == before

    # The organization's history names the pipeline for what it did.
    edges = (await gql.data(ACTIVITY, as_=owner))["organization"]["activity"]["edges"]
    by_ci = [
        edge["node"]["verb"]
        for edge in edges
        if edge["node"]["actor"] == {"username": "fraud-ci", "kind": "SERVICE_ACCOUNT"}
    ]
    assert sorted(by_ci) == sorted(
        ["run.created", "model_version.promoted", "model_version.alias_set"]
    ), edges


async def test_the_owner_may_do_what_the_pipeline_may_not(
    gql: GraphQLClient, factory: Factory
) -> None:
    """The refusals above are the role's, not the data's: an OWNER moves both."""
    owner: Person = await factory.user("owner")
    acme = await factory.organization("acme", owner=owner)
    fraud = await factory.project(
        acme, "fraud", features=frozenset({ProjectFeature.RUNTIME, ProjectFeature.MODEL})
    )
    serving = await factory.model_version(fraud, "v1", stage=Stage.PRODUCTION)
    candidate = await factory.model_version(fraud, "v2")
    for version, alias in ((serving, "production"), (candidate, "production")):
        body = await gql.data(
            SET_ALIAS, {"version": global_id("ModelVersion", version), "alias": alias}, as_=owner
        )
        assert body["setModelVersionAlias"]["userErrors"] == []
    moved = await gql.data(TRANSITION, {"version": global_id("ModelVersion", candidate)}, as_=owner)
    assert moved["transitionModelVersionStage"]["modelVersion"] == {"stage": "PRODUCTION"}
