"""The README's quick start and the registry story, through the typed client that ariadne-codegen
generates from schema/schema.graphql and schema/operations (package `hubql_client`).

tests/clients/test_python_client.py runs this in the ariadne-codegen venv, with the generated
package on PYTHONPATH, against a live `hubql serve`:

    python story.py quickstart --url http://127.0.0.1:8000/graphql --hubql .venv/bin/hubql
    python story.py registry --url ... --hubql ...

Users and their first tokens come from the `hubql` command (HUBQL_DATABASE_URL names the server's
database), as in the README; everything else goes through the generated client. A failed
assertion exits non-zero. mypy checks this file against the generated package in that venv.
"""

import argparse
import asyncio
import subprocess
from collections.abc import Sequence
from typing import Protocol, TypeVar

from hubql_client import (
    ArtifactInput,
    ArtifactKind,
    Client,
    ComponentVersionFilter,
    CreateAccessTokenInput,
    CreateOrganizationInput,
    CreateProjectInput,
    CreateRunInput,
    OrganizationMemberInput,
    OrganizationRole,
    ProjectFeature,
    ProjectRole,
    ProjectVisibility,
    PromoteRunInput,
    PublishComponentVersionInput,
    RevokeAccessTokenInput,
    RunStatus,
    SetProjectAccessInput,
    SetPromotionSourcesInput,
    Stage,
    TransitionModelVersionStageInput,
)
from hubql_client.exceptions import GraphQLClientGraphQLMultiError, GraphQLClientHttpError
from hubql_client.model_version_stages import ModelVersionStagesNodeModelVersion
from hubql_client.run_lineage import RunLineageNodeRun

T = TypeVar("T")


class _Payload(Protocol):
    @property
    def user_errors(self) -> Sequence[object]: ...


P = TypeVar("P", bound=_Payload)


def present(value: T | None, what: str) -> T:
    """The value, asserted not null (payloads, nullable fields)."""
    assert value is not None, f"{what} is null"
    return value


def succeeded(payload: P | None, what: str) -> P:
    """A mutation's payload, asserted present and without userErrors."""
    payload = present(payload, what)
    assert payload.user_errors == [], f"{what}: {payload.user_errors}"
    return payload


class RunLike(Protocol):
    @property
    def id(self) -> str: ...


def run_reference(run: RunLike) -> str:
    """What `CreateRunInput.upstream` and `ModelVersionFilter.run` take for a run: its id."""
    return run.id


class Story:
    def __init__(self, url: str, hubql: str) -> None:
        self.url = url
        self.hubql = hubql
        self.clients: list[Client] = []

    def cli(self, *args: str) -> str:
        result = subprocess.run(
            [self.hubql, *args], capture_output=True, text=True, check=False, timeout=60
        )
        assert result.returncode == 0, f"hubql {' '.join(args)}: {result.stderr}"
        return result.stdout.strip()

    def user(self, username: str) -> str:
        """A user made with the `hubql` command, and a token for them."""
        self.cli("users", "create", "--username", username, "--email", f"{username}@example.org")
        return self.cli("tokens", "create", username, "--expires", "30d")

    def client(self, token: str) -> Client:
        client = Client(url=self.url, headers={"Authorization": f"Bearer {token}"})
        self.clients.append(client)
        return client

    async def close(self) -> None:
        for client in self.clients:
            await client.http_client.aclose()


async def quickstart(story: Story) -> None:
    """README "Quick start": a user and a token, the viewer, an organization; then tokens."""
    ada = story.client(story.user("ada"))

    viewer = present((await ada.viewer()).viewer, "viewer")
    assert (viewer.username, viewer.email) == ("ada", "ada@example.org")

    created = succeeded(
        (await ada.create_organization(CreateOrganizationInput(name="acme"))).create_organization,
        "createOrganization",
    )
    organization = present(created.organization, "createOrganization.organization")
    assert organization.name == "acme"
    assert organization.viewer_role == OrganizationRole.OWNER

    page = present((await ada.organization_page(name="acme")).organization, "organization")
    assert page.viewer_can.create_project
    members = present(page.members, "organization.members")
    assert [(e.node.user.username, e.node.role) for e in members.edges] == [
        ("ada", OrganizationRole.OWNER)
    ]
    assert page.projects.total_count == 0

    # A token made through the API works, is listed, and stops working once revoked.
    made = succeeded(
        (await ada.create_access_token(CreateAccessTokenInput(name="ci"))).create_access_token,
        "createAccessToken",
    )
    token = present(made.token, "createAccessToken.token")
    ci = story.client(token)
    assert present((await ci.viewer()).viewer, "viewer").username == "ada"
    listed = present((await ada.viewer_access_tokens()).viewer, "viewer")
    tokens = present(listed.access_tokens, "viewer.accessTokens")
    assert sorted(e.node.name for e in tokens.edges) == ["ci", "cli"]
    revoked = succeeded(
        (
            await ada.revoke_access_token(
                RevokeAccessTokenInput(id=present(made.access_token, "accessToken").id)
            )
        ).revoke_access_token,
        "revokeAccessToken",
    )
    assert present(revoked.access_token, "accessToken").revoked_at is not None
    try:
        await ci.viewer()
    except GraphQLClientHttpError as error:
        assert error.status_code == 401
    else:
        raise AssertionError("a revoked token still works")


def error_codes(error: GraphQLClientGraphQLMultiError) -> list[object]:
    return [(e.extensions or {}).get("code") for e in error.errors]


async def registry(story: Story) -> None:
    """tests/http/test_registry_story.py's whole story, then the hub: publish and search."""
    owner = story.client(story.user("owner"))
    admin = story.client(story.user("mlops"))
    writer = story.client(story.user("scientist"))

    # The world the test's factory builds, built through the API by the owner.
    acme = present(
        succeeded(
            (
                await owner.create_organization(CreateOrganizationInput(name="acme"))
            ).create_organization,
            "createOrganization",
        ).organization,
        "organization",
    )
    for username in ("mlops", "scientist"):
        succeeded(
            (
                await owner.add_organization_member(
                    OrganizationMemberInput(
                        organizationId=acme.id, username=username, role=OrganizationRole.MEMBER
                    )
                )
            ).add_organization_member,
            "addOrganizationMember",
        )

    async def project(name: str, features: list[ProjectFeature]) -> str:
        payload = succeeded(
            (
                await owner.create_project(
                    CreateProjectInput(
                        organizationId=acme.id,
                        name=name,
                        visibility=ProjectVisibility.INTERNAL,
                        features=features,
                    )
                )
            ).create_project,
            "createProject",
        )
        return present(payload.project, "createProject.project").id

    training = await project("training", [ProjectFeature.RUNTIME])
    fraud = await project("fraud", [ProjectFeature.MODEL])
    hub = await project("kaniko", [ProjectFeature.COMPONENT])
    succeeded(
        (
            await owner.set_project_access(
                SetProjectAccessInput(projectId=fraud, username="mlops", role=ProjectRole.ADMIN)
            )
        ).set_project_access,
        "setProjectAccess",
    )
    sources = succeeded(
        (
            await owner.set_promotion_sources(
                SetPromotionSourcesInput(projectId=fraud, sourceIds=[training])
            )
        ).set_promotion_sources,
        "setPromotionSources",
    )
    assert [p.full_name for p in present(sources.project, "project").promotion_sources] == [
        "acme/fraud",  # the project itself comes first
        "acme/training",
    ]

    # Runs with lineage: train-42 consumed what prepare produced.
    prepare = present(
        succeeded(
            (
                await writer.create_run(
                    CreateRunInput(
                        projectId=training,
                        name="prepare",
                        status=RunStatus.SUCCEEDED,
                        artifacts=[
                            ArtifactInput(
                                name="data", kind=ArtifactKind.DATASET, path="s3://ml/d.parquet"
                            )
                        ],
                    )
                )
            ).create_run,
            "createRun",
        ).run,
        "run",
    )

    async def run_with_model() -> RunLike:
        payload = succeeded(
            (
                await writer.create_run(
                    CreateRunInput(
                        projectId=training,
                        name="train-42",
                        status=RunStatus.SUCCEEDED,
                        outputs={"accuracy": 0.94},
                        artifacts=[
                            ArtifactInput(
                                name="model", kind=ArtifactKind.MODEL, path="s3://ml/model.pt"
                            ),
                            ArtifactInput(
                                name="metrics",
                                kind=ArtifactKind.METRICS,
                                path="s3://ml/metrics.json",
                            ),
                        ],
                        upstream=[run_reference(prepare)],
                    )
                )
            ).create_run,
            "createRun",
        )
        run = present(payload.run, "createRun.run")
        assert [u.name for u in run.upstream] == ["prepare"]
        return run

    async def promote(run: RunLike, name: str) -> str:
        payload = succeeded(
            (
                await writer.promote_run(
                    PromoteRunInput(
                        projectId=fraud,
                        runId=run.id,
                        name=name,
                        artifacts=["model"],
                        tags=["golden"],
                        metadata={"framework": "torch"},
                    )
                )
            ).promote_run,
            "promoteRun",
        )
        version = present(payload.model_version, "promoteRun.modelVersion")
        assert version.stage == Stage.TESTING
        return version.id

    async def move(who: Client, version: str, stage: Stage, archive_others: bool = False) -> Stage:
        payload = succeeded(
            (
                await who.transition_model_version_stage(
                    TransitionModelVersionStageInput(
                        id=version, stage=stage, reason="review", archiveOthers=archive_others
                    )
                )
            ).transition_model_version_stage,
            "transitionModelVersionStage",
        )
        return present(payload.model_version, "modelVersion").stage

    first_run = await run_with_model()
    promoted = (
        await writer.promote_run(
            PromoteRunInput(
                projectId=fraud,
                runId=first_run.id,
                name="v1",
                artifacts=["model"],
                tags=["golden"],
                metadata={"framework": "torch"},
            )
        )
    ).promote_run
    v1 = present(succeeded(promoted, "promoteRun").model_version, "modelVersion")
    assert v1.reference == "acme/fraud:v1"
    assert v1.stage == Stage.TESTING
    assert [(a.name, a.path) for a in v1.artifacts] == [("model", "s3://ml/model.pt")]
    assert v1.metadata == {"framework": "torch"}
    assert present(v1.lineage.source_project, "sourceProject").full_name == "acme/training"
    assert [u.name for u in v1.lineage.upstream] == ["prepare"]
    assert len(v1.digest) == 64

    # the admin puts v1 in production first
    assert await move(admin, v1.id, Stage.STAGING) == Stage.STAGING
    assert await move(admin, v1.id, Stage.PRODUCTION) == Stage.PRODUCTION

    second_run = await run_with_model()
    v2 = await promote(second_run, "v2")
    assert await move(writer, v2, Stage.STAGING) == Stage.STAGING

    # What the frontend shows before the writer tries: the same policy as the mutation.
    async def may(who: Client, reference: str) -> tuple[bool, bool]:
        """(to STAGING, to PRODUCTION)"""
        version = present((await who.model_version_detail(reference=reference)).model_version, "v")
        return version.viewer_can.to_staging, version.viewer_can.to_production

    assert (await may(writer, "acme/fraud:v2"))[1] is False  # into PRODUCTION: admins
    assert (await may(writer, "acme/fraud:v1"))[0] is False  # out of PRODUCTION: admins
    assert (await may(admin, "acme/fraud:v2"))[1] is True
    try:
        await writer.transition_model_version_stage(
            TransitionModelVersionStageInput(id=v2, stage=Stage.PRODUCTION, archiveOthers=True)
        )
    except GraphQLClientGraphQLMultiError as error:
        assert error_codes(error) == ["FORBIDDEN"], error_codes(error)
    else:
        raise AssertionError("a writer moved a version into PRODUCTION")
    assert await move(admin, v2, Stage.PRODUCTION, archive_others=True) == Stage.PRODUCTION

    old = present((await writer.model_version_stages(id=v1.id)).node, "node")
    assert isinstance(old, ModelVersionStagesNodeModelVersion)
    assert old.stage == Stage.STAGING
    assert [
        (c.stage, c.reason, c.actor.username if c.actor else None) for c in old.stage_conditions
    ] == [
        (Stage.TESTING, "created", "scientist"),
        (Stage.STAGING, "review", "mlops"),
        (Stage.PRODUCTION, "review", "mlops"),
        (Stage.STAGING, "archived", "mlops"),
    ]
    new = present((await writer.model_version_stages(id=v2)).node, "node")
    assert isinstance(new, ModelVersionStagesNodeModelVersion)
    assert [(c.stage, present(c.actor, "actor").username) for c in new.stage_conditions] == [
        (Stage.TESTING, "scientist"),
        (Stage.STAGING, "scientist"),
        (Stage.PRODUCTION, "mlops"),
    ]

    models = present((await writer.organization_models(name="acme")).organization, "org")
    assert [
        (e.node.name, e.node.latest_model_version.name if e.node.latest_model_version else None)
        for e in models.models.edges
    ] == [("fraud", "v2")]
    by_reference = present(
        (await writer.model_version_detail(reference="acme/fraud:v2")).model_version,
        "modelVersion",
    )
    assert by_reference.stage == Stage.PRODUCTION
    assert present(by_reference.run, "run").name == "train-42"
    assert present(by_reference.lineage.run, "lineage.run").name == "train-42"

    # The model page and the project page, as a frontend reads them.
    model_page = present((await writer.model_page(owner="acme", name="fraud")).project, "project")
    assert present(model_page.latest_model_version, "latest").name == "v2"
    assert model_page.model_versions.total_count == 2
    from_second = present(
        (
            await writer.model_page(owner="acme", name="fraud", run=run_reference(second_run))
        ).project,
        "project",
    )
    assert [e.node.name for e in from_second.model_versions.edges] == ["v2"]
    assert [e.node.viewer_can.to_production for e in from_second.model_versions.edges] == [False]
    staged = present(
        (await writer.model_page(owner="acme", name="fraud", stage=[Stage.STAGING])).project,
        "project",
    )
    assert [e.node.name for e in staged.model_versions.edges] == ["v1"]
    project_page = present(
        (await writer.project_page(owner="acme", name="training")).project, "project"
    )
    assert project_page.viewer_can.create_run
    assert project_page.runs.total_count == 3
    assert all(e.node.viewer_can.update for e in project_page.runs.edges)  # the writer made them
    downstream = {e.node.name: len(e.node.downstream) for e in project_page.runs.edges}
    assert downstream == {"prepare": 2, "train-42": 0}
    lineage = present((await writer.run_lineage(id=prepare.id)).node, "node")
    assert isinstance(lineage, RunLineageNodeRun)
    assert [d.name for d in lineage.downstream] == ["train-42", "train-42"]

    # The hub: publish a component and find it.
    spec = (
        "version: 1.1\nkind: component\nname: commuter\n"
        "inputs:\n- name: image\n  type: str\n"
        "run:\n  kind: service\n  container:\n    image: '{{image}}'\n"
    )
    published = present(
        succeeded(
            (
                await writer.publish_component_version(
                    PublishComponentVersionInput(projectId=hub, name="1.0", spec=spec)
                )
            ).publish_component_version,
            "publishComponentVersion",
        ).component_version,
        "componentVersion",
    )
    assert published.reference == "acme/kaniko:1.0"
    assert published.run_kind == "service"
    found = (await writer.hub_search(filter_=ComponentVersionFilter(nameContains="1."))).hub.edges
    assert [(e.node.reference, [i.name for i in e.node.inputs]) for e in found] == [
        ("acme/kaniko:1.0", ["image"])
    ]


STORIES = {"quickstart": quickstart, "registry": registry}


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("story", choices=sorted(STORIES))
    parser.add_argument("--url", required=True, help="the server's /graphql")
    parser.add_argument("--hubql", required=True, help="the `hubql` command")
    arguments = parser.parse_args()
    story = Story(arguments.url, arguments.hubql)
    try:
        await STORIES[arguments.story](story)
    finally:
        await story.close()
    print(f"{arguments.story}: the story completed")


if __name__ == "__main__":
    asyncio.run(main())
