"""The contract typed clients rely on (api.md, Decisions of 2026-11-30): each test here is one
thing a client saw go wrong before, and fails on the schema as it was."""

import pytest

from app.organizations.models import OrganizationRole
from app.projects.models import ProjectFeature, ProjectRole, ProjectVisibility
from app.versions.models import Stage
from tests.helpers import Factory, GraphQLClient, Person, error_codes, global_id

# ---- payloads are nullable ------------------------------------------------------------------


async def test_a_refused_mutation_does_not_null_its_siblings_committed_result(
    gql: GraphQLClient, factory: Factory
) -> None:
    alice = await factory.user("alice")
    bob = await factory.user("bob")
    acme = await factory.organization("acme", owner=alice)
    await factory.member(acme, bob, OrganizationRole.VIEWER)
    body = await gql(
        """
        mutation($acme: ID!) {
          a: createOrganization(input: {name: "bobs"}) { organization { name } userErrors { code } }
          b: deleteOrganization(input: {id: $acme, confirmName: "acme"}) { deletedId }
        }""",
        {"acme": global_id("Organization", acme)},
        as_=bob,
    )
    assert body["data"] == {"a": {"organization": {"name": "bobs"}, "userErrors": []}, "b": None}
    assert error_codes(body) == ["FORBIDDEN"]
    assert body["errors"][0]["path"] == ["b"]
    # What `a` says it did, it did.
    assert await factory.organization_id("bobs")
    assert await factory.organization_id("acme") == acme


async def test_a_field_more_private_than_its_project_is_null_not_the_project(
    gql: GraphQLClient, factory: Factory
) -> None:
    alice = await factory.user("alice")
    viewer = await factory.user("viewer")
    acme = await factory.organization("acme", owner=alice)
    await factory.member(acme, viewer, OrganizationRole.VIEWER)
    await factory.project(acme, "vision", visibility=ProjectVisibility.PUBLIC)
    body = await gql(
        """{ project(owner: "acme", name: "vision") {
               name access { totalCount } } }""",
        as_=viewer,
    )
    assert body["data"] == {"project": {"name": "vision", "access": None}}
    assert error_codes(body) == ["FORBIDDEN"]


# ---- one kind of id -------------------------------------------------------------------------


async def _registry(factory: Factory) -> tuple[Person, int, int, int]:
    """An owner, a project with runs and models, a run in it and a version promoted from it."""
    owner = await factory.user("owner")
    acme = await factory.organization("acme", owner=owner)
    project = await factory.project(
        acme, "vision", features=frozenset({ProjectFeature.RUNTIME, ProjectFeature.MODEL})
    )
    run = await factory.run(project, "train")
    await factory.run(project, "other")
    await factory.model_version(project, "v1", run_id=run)
    await factory.model_version(project, "v2")
    return owner, project, run, await factory.organization_id("acme")


async def test_upstream_takes_the_global_id_every_other_id_input_takes(
    gql: GraphQLClient, factory: Factory
) -> None:
    owner, project, run, _ = await _registry(factory)
    create = """mutation($input: CreateRunInput!) {
        createRun(input: $input) { run { name upstream { id } } userErrors { field code } } }"""
    data = await gql.data(
        create,
        {
            "input": {
                "projectId": global_id("Project", project),
                "upstream": [global_id("Run", run)],
            }
        },
        as_=owner,
    )
    assert data["createRun"]["run"]["upstream"] == [{"id": global_id("Run", run)}]
    # A run's uuid is not an id: refused as input, not looked up as something else.
    uuid = (await gql.data(
        "query($id: ID!) { node(id: $id) { ... on Run { uuid } } }",
        {"id": global_id("Run", run)},
        as_=owner,
    ))["node"]["uuid"]  # fmt: skip
    body = await gql(
        create,
        {"input": {"projectId": global_id("Project", project), "upstream": [uuid]}},
        as_=owner,
    )
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert body["data"] == {"createRun": None}


async def test_the_version_filter_names_a_run_by_its_global_id(
    gql: GraphQLClient, factory: Factory
) -> None:
    owner, _, run, _ = await _registry(factory)
    versions = """query($run: ID) { project(owner: "acme", name: "vision") {
        modelVersions(filter: {run: $run}) { edges { node { name } } } } }"""
    data = await gql.data(versions, {"run": global_id("Run", run)}, as_=owner)
    assert data["project"]["modelVersions"]["edges"] == [{"node": {"name": "v1"}}]
    # Not silently empty: another kind of id is bad input.
    body = await gql(versions, {"run": global_id("Project", 1)}, as_=owner)
    assert error_codes(body) == ["BAD_USER_INPUT"]


async def test_a_run_uuid_is_a_string_and_only_ids_are_ids(gql: GraphQLClient) -> None:
    types = await gql.data(
        """{ run: __type(name: "Run") { fields { name type { ofType { name } } } }
             project: __type(name: "Project") {
               fields { name args { name type { ofType { name } } } } } }"""
    )
    uuid = next(f for f in types["run"]["fields"] if f["name"] == "uuid")
    assert uuid["type"]["ofType"]["name"] == "String"
    run = next(f for f in types["project"]["fields"] if f["name"] == "run")
    assert run["args"][0]["type"]["ofType"]["name"] == "String"


# ---- the graph says what the policy says ----------------------------------------------------

VERSION_CAN = """query($id: ID!) { node(id: $id) { ... on ModelVersion {
    viewerCan { update delete toProduction: transition(to: PRODUCTION)
                toStaging: transition(to: STAGING) stay: transition(to: TESTING) } } } }"""
TRANSITION = """mutation($id: ID!, $stage: Stage!) {
    transitionModelVersionStage(input: {id: $id, stage: $stage}) {
      modelVersion { stage } userErrors { code } } }"""


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (ProjectRole.VIEWER, {"update": False, "delete": False, "toProduction": False,
                              "toStaging": False}),
        (ProjectRole.WRITER, {"update": True, "delete": False, "toProduction": False,
                              "toStaging": True}),
        (ProjectRole.ADMIN, {"update": True, "delete": True, "toProduction": True,
                             "toStaging": True}),
    ],
)  # fmt: skip
async def test_a_versions_viewer_can_is_what_the_transition_mutation_decides(
    gql: GraphQLClient, factory: Factory, role: ProjectRole, expected: dict[str, bool]
) -> None:
    _, project, run, _ = await _registry(factory)
    someone = await factory.user("someone")
    await factory.grant(project, role, person=someone)
    version = global_id("ModelVersion", await factory.model_version(project, "v9", run_id=run))
    can = (await gql.data(VERSION_CAN, {"id": version}, as_=someone))["node"]["viewerCan"]
    # It is in TESTING: "moving" it there is no move, for anyone (INVALID_TRANSITION).
    assert can.pop("stay") is False
    assert can == expected
    # What it says is what happens.
    for stage, allowed in (("PRODUCTION", can["toProduction"]), ("STAGING", can["toStaging"])):
        body = await gql(TRANSITION, {"id": version, "stage": stage}, as_=someone)
        if allowed:
            assert body["data"]["transitionModelVersionStage"]["modelVersion"] == {"stage": stage}
        else:
            assert error_codes(body) == ["FORBIDDEN"]


async def test_out_of_production_takes_an_admin_too(gql: GraphQLClient, factory: Factory) -> None:
    _, project, _, _ = await _registry(factory)
    writer = await factory.user("writer")
    await factory.grant(project, ProjectRole.WRITER, person=writer)
    live = global_id(
        "ModelVersion", await factory.model_version(project, "live", stage=Stage.PRODUCTION)
    )
    query = """query($id: ID!) { node(id: $id) { ... on ModelVersion {
        viewerCan { transition(to: STAGING) } } } }"""
    data = await gql.data(query, {"id": live}, as_=writer)
    assert data["node"]["viewerCan"] == {"transition": False}


async def test_runs_and_component_versions_say_what_the_viewer_may_do(
    gql: GraphQLClient, factory: Factory
) -> None:
    _, project, run, _ = await _registry(factory)
    writer = await factory.user("writer")
    await factory.grant(project, ProjectRole.WRITER, person=writer)
    component = await factory.component_version(project, "1.0")
    data = await gql.data(
        """query($run: ID!, $component: ID!) {
          run: node(id: $run) { ... on Run { viewerCan { update delete } } }
          component: node(id: $component) { ... on ComponentVersion {
            viewerCan { update delete transition(to: PRODUCTION) } } } }""",
        {"run": global_id("Run", run), "component": global_id("ComponentVersion", component)},
        as_=writer,
    )
    assert data["run"]["viewerCan"] == {"update": True, "delete": False}
    assert data["component"]["viewerCan"] == {"update": True, "delete": False, "transition": False}


# ---- promotion sources ----------------------------------------------------------------------


async def test_promotion_sources_include_the_project_itself(
    gql: GraphQLClient, factory: Factory
) -> None:
    owner, project, _, acme = await _registry(factory)
    training = await factory.project(acme, "training")
    query = '{ project(owner: "acme", name: "vision") { promotionSources { name } } }'
    data = await gql.data(query, as_=owner)
    assert data["project"]["promotionSources"] == [{"name": "vision"}]
    # Naming itself among the sources changes nothing: it is there once, first.
    sources = """mutation($id: ID!, $sources: [ID!]!) {
        setPromotionSources(input: {projectId: $id, sourceIds: $sources}) {
          project { promotionSources { name } } } }"""
    vision = global_id("Project", project)
    variables = {"id": vision, "sources": [global_id("Project", training), vision]}
    data = await gql.data(sources, variables, as_=owner)
    assert data["setPromotionSources"]["project"]["promotionSources"] == [
        {"name": "vision"},
        {"name": "training"},
    ]


# ---- metadata is content --------------------------------------------------------------------

PROMOTE = """mutation($project: ID!, $run: ID!, $metadata: JSON) {
    promoteRun(input: {projectId: $project, runId: $run, name: "v5", metadata: $metadata}) {
      modelVersion { id metadata digest } userErrors { field code } } }"""


async def test_metadata_is_fixed_at_creation_and_covered_by_the_digest(
    gql: GraphQLClient, factory: Factory
) -> None:
    owner, project, run, _ = await _registry(factory)
    variables = {"project": global_id("Project", project), "run": global_id("Run", run)}
    first = await gql.data(PROMOTE, {**variables, "metadata": {"framework": "onnx"}}, as_=owner)
    version = first["promoteRun"]["modelVersion"]
    # The same name with other metadata is other content: TAKEN, not silently the old version.
    again = await gql.data(PROMOTE, {**variables, "metadata": {"framework": "tf"}}, as_=owner)
    assert again["promoteRun"] == {
        "modelVersion": None,
        "userErrors": [{"field": "name", "code": "TAKEN"}],
    }
    same = await gql.data(PROMOTE, {**variables, "metadata": {"framework": "onnx"}}, as_=owner)
    assert same["promoteRun"]["modelVersion"] == version
    # And no update rewrites it.
    body = await gql(
        """mutation($id: ID!) { updateModelVersion(input: {id: $id, metadata: {framework: "tf"}})
             { modelVersion { metadata } } }""",
        {"id": version["id"]},
        as_=owner,
    )
    assert error_codes(body) == ["BAD_USER_INPUT"]
    read = await gql.data(
        "query($id: ID!) { node(id: $id) { ... on ModelVersion { metadata digest } } }",
        {"id": version["id"]},
        as_=owner,
    )
    assert read["node"] == {"metadata": {"framework": "onnx"}, "digest": version["digest"]}
