"""The model registry end to end over HTTP: a run promoted into a model, moved through stages,
with the production gate held by the policy."""

from typing import Any

import pytest

from app.organizations.models import OrganizationRole
from app.projects.models import ProjectFeature, ProjectRole, ProjectVisibility
from tests.helpers import Factory, GraphQLClient, Person, error_codes, global_id

CREATE_RUN = """
mutation($project: ID!) {
  createRun(input: {projectId: $project, name: "train-42", status: SUCCEEDED,
    outputs: {accuracy: 0.94},
    artifacts: [{name: "model", kind: MODEL, path: "s3://ml/model.pt"},
                {name: "metrics", kind: METRICS, path: "s3://ml/metrics.json"}]}) {
    run { id uuid } userErrors { code }
  }
}
"""
PROMOTE = """
mutation($project: ID!, $run: ID!, $name: String!, $artifacts: [String!]!) {
  promoteRun(input: {projectId: $project, runId: $run, name: $name, artifacts: $artifacts,
                     tags: ["golden"], metadata: {framework: "torch"}}) {
    modelVersion {
      id name reference stage digest artifacts { name path } metadata
      run { name } lineage { run { name } sourceProject { fullName } upstream { name } }
    }
    userErrors { field code message }
  }
}
"""
TRANSITION = """
mutation($id: ID!, $stage: Stage!, $archiveOthers: Boolean) {
  transitionModelVersionStage(input: {id: $id, stage: $stage, reason: "review",
                                      archiveOthers: $archiveOthers}) {
    modelVersion { stage } userErrors { field code message }
  }
}
"""
HISTORY = """
query($id: ID!) { node(id: $id) { ... on ModelVersion {
  stage stageConditions { stage reason actor { username } }
} } }
"""


class Story:
    def __init__(
        self, admin: Person, writer: Person, training: str, registry: str, training_id: int
    ) -> None:
        self.admin = admin
        self.writer = writer
        self.training = training
        self.registry = registry
        self.training_id = training_id


@pytest.fixture
async def story(gql: GraphQLClient, factory: Factory) -> Story:
    owner = await factory.user("owner")
    admin = await factory.user("mlops")
    writer = await factory.user("scientist")
    organization = await factory.organization("acme", owner=owner)
    await factory.member(organization, admin, OrganizationRole.MEMBER)
    await factory.member(organization, writer, OrganizationRole.MEMBER)
    training = await factory.project(
        organization, "training", visibility=ProjectVisibility.INTERNAL
    )
    registry = await factory.project(
        organization,
        "fraud",
        visibility=ProjectVisibility.INTERNAL,
        features=frozenset({ProjectFeature.MODEL}),
    )
    await factory.grant(registry, ProjectRole.ADMIN, person=admin)
    sources = await gql.data(
        "mutation($id: ID!, $s: [ID!]!) { setPromotionSources(input: {projectId: $id,"
        " sourceIds: $s}) { userErrors { code } } }",
        {"id": global_id("Project", registry), "s": [global_id("Project", training)]},
        as_=owner,
    )
    assert sources["setPromotionSources"]["userErrors"] == []
    return Story(
        admin, writer, global_id("Project", training), global_id("Project", registry), training
    )


async def run_with_model(gql: GraphQLClient, story: Story) -> dict[str, Any]:
    data = await gql.data(CREATE_RUN, {"project": story.training}, as_=story.writer)
    run: dict[str, Any] = data["createRun"]["run"]
    return run


async def promote(
    gql: GraphQLClient, story: Story, run: str, name: str, artifacts: list[str] | None = None
) -> dict[str, Any]:
    data = await gql.data(
        PROMOTE,
        {
            "project": story.registry,
            "run": run,
            "name": name,
            "artifacts": ["model"] if artifacts is None else artifacts,
        },
        as_=story.writer,
    )
    payload: dict[str, Any] = data["promoteRun"]
    return payload


async def move(
    gql: GraphQLClient, who: Person, version: str, stage: str, archive_others: bool = False
) -> dict[str, Any]:
    return await gql(
        TRANSITION, {"id": version, "stage": stage, "archiveOthers": archive_others}, as_=who
    )


class TestTheWholeStory:
    async def test_promote_stage_and_the_production_gate(
        self, gql: GraphQLClient, story: Story
    ) -> None:
        first = await promote(gql, story, (await run_with_model(gql, story))["id"], "v1")
        assert first["userErrors"] == []
        v1 = first["modelVersion"]
        assert v1["reference"] == "acme/fraud:v1"
        assert v1["stage"] == "TESTING"
        assert v1["artifacts"] == [{"name": "model", "path": "s3://ml/model.pt"}]
        assert v1["metadata"] == {"framework": "torch"}
        assert v1["lineage"]["sourceProject"] == {"fullName": "acme/training"}
        assert len(v1["digest"]) == 64

        # the admin puts v1 in production first
        assert (await move(gql, story.admin, v1["id"], "STAGING"))["data"][
            "transitionModelVersionStage"
        ]["userErrors"] == []
        await move(gql, story.admin, v1["id"], "PRODUCTION")

        v2 = (await promote(gql, story, (await run_with_model(gql, story))["id"], "v2"))[
            "modelVersion"
        ]
        staged = await move(gql, story.writer, v2["id"], "STAGING")
        assert staged["data"]["transitionModelVersionStage"]["modelVersion"] == {"stage": "STAGING"}

        refused = await move(gql, story.writer, v2["id"], "PRODUCTION", archive_others=True)
        assert error_codes(refused) == ["FORBIDDEN"]

        done = await move(gql, story.admin, v2["id"], "PRODUCTION", archive_others=True)
        assert done["data"]["transitionModelVersionStage"] == {
            "modelVersion": {"stage": "PRODUCTION"},
            "userErrors": [],
        }
        old = await gql.data(HISTORY, {"id": v1["id"]}, as_=story.writer)
        assert old["node"]["stage"] == "STAGING"
        assert [
            (c["stage"], c["reason"], c["actor"]["username"] if c["actor"] else None)
            for c in old["node"]["stageConditions"]
        ] == [
            ("TESTING", "created", "scientist"),
            ("STAGING", "review", "mlops"),
            ("PRODUCTION", "review", "mlops"),
            ("STAGING", "archived", "mlops"),
        ]
        new = await gql.data(HISTORY, {"id": v2["id"]}, as_=story.writer)
        assert [(c["stage"], c["actor"]["username"]) for c in new["node"]["stageConditions"]] == [
            ("TESTING", "scientist"),
            ("STAGING", "scientist"),
            ("PRODUCTION", "mlops"),
        ]
        registry = await gql.data(
            '{ organization(name: "acme") { models { edges { node { name'
            " latestModelVersion(stage: PRODUCTION) { name } } } } } }",
            as_=story.writer,
        )
        assert registry["organization"]["models"]["edges"] == [
            {"node": {"name": "fraud", "latestModelVersion": {"name": "v2"}}}
        ]
        by_reference = await gql.data(
            '{ modelVersion(reference: "acme/fraud:v2") { stage run { name } } }', as_=story.writer
        )
        assert by_reference["modelVersion"] == {"stage": "PRODUCTION", "run": {"name": "train-42"}}

    async def test_a_writer_cannot_take_a_version_out_of_production(
        self, gql: GraphQLClient, story: Story
    ) -> None:
        v1 = (await promote(gql, story, (await run_with_model(gql, story))["id"], "v1"))[
            "modelVersion"
        ]
        await move(gql, story.admin, v1["id"], "PRODUCTION")
        assert error_codes(await move(gql, story.writer, v1["id"], "DISABLED")) == ["FORBIDDEN"]

    async def test_moving_to_the_current_stage_is_an_invalid_transition(
        self, gql: GraphQLClient, factory: Factory, story: Story
    ) -> None:
        v1 = (await promote(gql, story, (await run_with_model(gql, story))["id"], "v1"))[
            "modelVersion"
        ]
        before = await factory.row_counts()
        body = await move(gql, story.writer, v1["id"], "TESTING")
        errors = body["data"]["transitionModelVersionStage"]["userErrors"]
        assert [(e["field"], e["code"]) for e in errors] == [("stage", "INVALID_TRANSITION")]
        assert await factory.row_counts() == before


class TestPromotionRules:
    async def test_promoting_the_same_run_under_the_same_name_is_idempotent(
        self, gql: GraphQLClient, factory: Factory, story: Story
    ) -> None:
        run = await run_with_model(gql, story)
        other = await run_with_model(gql, story)
        first = await promote(gql, story, run["id"], "v1")
        before = await factory.row_counts()
        again = await promote(gql, story, run["id"], "v1")
        assert again["userErrors"] == []
        assert again["modelVersion"]["id"] == first["modelVersion"]["id"]
        assert await factory.row_counts() == before
        taken = await promote(gql, story, other["id"], "v1")
        assert [(e["field"], e["code"]) for e in taken["userErrors"]] == [("name", "TAKEN")]
        assert await factory.row_counts() == before

    async def test_a_project_that_is_not_a_source_is_refused(
        self, gql: GraphQLClient, factory: Factory, story: Story
    ) -> None:
        other = await factory.project(
            await factory.organization_id("acme"), "scratch", visibility=ProjectVisibility.INTERNAL
        )
        stray = await factory.run(other, "stray", created_by=story.writer)
        before = await factory.row_counts()
        payload = await promote(gql, story, global_id("Run", stray), "v9", artifacts=[])
        assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [
            ("runId", "PROMOTION_SOURCE_NOT_ALLOWED")
        ]
        assert await factory.row_counts() == before

    async def test_a_run_of_another_organization_is_not_found(
        self, gql: GraphQLClient, factory: Factory, story: Story
    ) -> None:
        stranger = await factory.user("stranger")
        elsewhere = await factory.organization("elsewhere", owner=stranger)
        public = await factory.project(elsewhere, "open", visibility=ProjectVisibility.PUBLIC)
        foreign = await factory.run(public, "foreign")
        before = await factory.row_counts()
        payload = await promote(gql, story, global_id("Run", foreign), "v9", artifacts=[])
        assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [("runId", "NOT_FOUND")]
        assert await factory.row_counts() == before

    async def test_a_missing_artifact_is_invalid_on_that_field(
        self, gql: GraphQLClient, factory: Factory, story: Story
    ) -> None:
        run = await run_with_model(gql, story)
        before = await factory.row_counts()
        payload = await promote(gql, story, run["id"], "v1", artifacts=["model", "weights"])
        assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [
            ("artifacts[1]", "INVALID")
        ]
        assert await factory.row_counts() == before


class TestVersionsAreImmutableInMeaning:
    async def test_update_changes_description_and_tags_only(
        self, gql: GraphQLClient, story: Story
    ) -> None:
        run = await run_with_model(gql, story)
        v1 = (await promote(gql, story, run["id"], "v1"))["modelVersion"]
        data = await gql.data(
            'mutation($id: ID!) { updateModelVersion(input: {id: $id, description: "Best",'
            ' tags: ["prod"]}) { modelVersion { description tags digest name } userErrors { code }'
            " } }",
            {"id": v1["id"]},
            as_=story.writer,
        )
        updated = data["updateModelVersion"]["modelVersion"]
        assert updated == {
            "description": "Best",
            "tags": ["prod"],
            "digest": v1["digest"],
            "name": "v1",
        }

    async def test_registering_a_version_from_another_system(
        self, gql: GraphQLClient, story: Story
    ) -> None:
        create = (
            'mutation($p: ID!) { createModelVersion(input: {projectId: $p, name: "ext-1",'
            ' artifacts: [{name: "model", kind: MODEL, path: "gs://m/1"}]}) { modelVersion'
            " { reference run { name } lineage { run { name } upstream { name } } digest }"
            " userErrors { field code } } }"
        )
        first = await gql.data(create, {"p": story.registry}, as_=story.writer)
        version = first["createModelVersion"]["modelVersion"]
        assert version["reference"] == "acme/fraud:ext-1"
        assert version["run"] is None
        assert version["lineage"] == {"run": None, "upstream": []}
        again = await gql.data(create, {"p": story.registry}, as_=story.writer)
        assert again["createModelVersion"]["modelVersion"]["digest"] == version["digest"]

    async def test_only_admins_delete_versions(
        self, gql: GraphQLClient, factory: Factory, story: Story
    ) -> None:
        v1 = (await promote(gql, story, (await run_with_model(gql, story))["id"], "v1"))[
            "modelVersion"
        ]
        delete = "mutation($id: ID!) { deleteModelVersion(input: {id: $id}) { deletedId } }"
        assert error_codes(await gql(delete, {"id": v1["id"]}, as_=story.writer)) == ["FORBIDDEN"]
        data = await gql.data(delete, {"id": v1["id"]}, as_=story.admin)
        assert data["deleteModelVersion"]["deletedId"] == v1["id"]
        runs = await gql.data(
            '{ project(owner: "acme", name: "training") { runs { edges { node { modelVersions'
            " { name } } } } } }",
            as_=story.writer,
        )
        assert all(e["node"]["modelVersions"] == [] for e in runs["project"]["runs"]["edges"])
