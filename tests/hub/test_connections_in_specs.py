"""A component spec names the connections its runs mount (`run.connections`, `run.init[].
connection`); publishing checks every name written out literally against the connections the
project may use, over HTTP. Templated names (`{{ params.destination.connection }}`, as every real
Polyaxon hub spec has them) are chosen when a run uses the component and are not checked here:
`tests/hub/test_publishing.py` publishes all 57 into projects with no connections at all.
"""

from dataclasses import dataclass
from typing import Any

import pytest

from app.hub import spec as specs
from app.organizations.models import OrganizationRole
from app.projects.models import ProjectFeature, ProjectVisibility
from tests.helpers import Factory, GraphQLClient, Person, global_id
from tests.hub.test_specs import REAL_SPECS, real

USES_DATA = """
kind: component
name: train
run:
  kind: job
  connections: [s3-data]
  container: {image: "python:3.11", command: [python, train.py]}
"""
PUBLISH = """
mutation ($input: PublishComponentVersionInput!) {
  publishComponentVersion(input: $input) {
    componentVersion { reference }
    userErrors { field code message }
  }
}
"""
SET = """
mutation ($input: SetProjectConnectionsInput!) {
  setProjectConnections(input: $input) {
    project { connections { edges { node { name } } } }
    userErrors { field code message }
  }
}
"""


async def publish(
    gql: GraphQLClient, who: Person, project_id: int, name: str, spec: str
) -> dict[str, Any]:
    data = await gql.data(
        PUBLISH,
        {"input": {"projectId": global_id("Project", project_id), "name": name, "spec": spec}},
        as_=who,
    )
    payload: dict[str, Any] = data["publishComponentVersion"]
    return payload


async def allow(gql: GraphQLClient, who: Person, project_id: int, *connections: int) -> None:
    data = await gql.data(
        SET,
        {
            "input": {
                "projectId": global_id("Project", project_id),
                "connectionIds": [global_id("ExternalConnection", c) for c in connections],
            }
        },
        as_=who,
    )
    assert data["setProjectConnections"]["userErrors"] == []


@dataclass
class Hub:
    admin: Person
    writer: Person
    organization: int
    project: int


@pytest.fixture
async def hub(factory: Factory) -> Hub:
    """`acme/train`, an INTERNAL hub project; `writer` publishes, `admin` is its ADMIN."""
    admin = await factory.user("admin")
    writer = await factory.user("writer")
    organization = await factory.organization("acme", owner=admin)
    await factory.member(organization, writer, OrganizationRole.MEMBER)
    project = await factory.project(
        organization,
        "train",
        visibility=ProjectVisibility.INTERNAL,
        features=frozenset({ProjectFeature.COMPONENT}),
    )
    return Hub(admin, writer, organization, project)


async def test_a_spec_naming_a_connection_publishes_once_the_project_may_use_it(
    gql: GraphQLClient, factory: Factory, hub: Hub
) -> None:
    """The issue's case: refused with INVALID_SPEC naming the connection, nothing written; the
    same spec publishes once the project's ADMIN allows the connection."""
    data = await factory.connection(hub.organization, "s3-data")
    other = await factory.connection(hub.organization, "s3-scratch")
    await allow(gql, hub.admin, hub.project, other)  # another connection does not do
    before = await factory.row_counts()

    refused = await publish(gql, hub.writer, hub.project, "1.0", USES_DATA)
    assert refused == {
        "componentVersion": None,
        "userErrors": [
            {
                "field": "spec",
                "code": "INVALID_SPEC",
                "message": 'run.connections[0] "s3-data": the project may not use this '
                "connection; its ADMINs allow connections with `setProjectConnections`.",
            }
        ],
    }
    assert await factory.row_counts() == before

    await allow(gql, hub.admin, hub.project, other, data)
    published = await publish(gql, hub.writer, hub.project, "1.0", USES_DATA)
    assert published == {"componentVersion": {"reference": "acme/train:1.0"}, "userErrors": []}


async def test_every_refused_name_is_named_with_its_place(
    gql: GraphQLClient, factory: Factory, hub: Hub
) -> None:
    allowed = await factory.connection(hub.organization, "repo")
    await allow(gql, hub.admin, hub.project, allowed)
    spec = """
kind: component
run:
  kind: job
  connections: [repo, "{{ params.out.connection }}", S3-Data]
  init:
    - git: {revision: main}
      connection: repo
    - connection: volume
    - artifacts: {dirs: [data]}
"""
    refused = await publish(gql, hub.writer, hub.project, "1.0", spec)
    [error] = refused["userErrors"]
    assert error["code"] == "INVALID_SPEC"
    assert error["message"].startswith(
        'run.connections[2] "S3-Data", run.init[1].connection "volume": the project may not '
        "use these connections;"
    )


async def test_a_templated_name_is_left_to_the_run(
    gql: GraphQLClient, factory: Factory, hub: Hub
) -> None:
    published = await publish(gql, hub.writer, hub.project, "1.2", real("kaniko/1.2"))
    assert published["userErrors"] == []
    spec = USES_DATA.replace("[s3-data]", '["{{ params.bucket }}"]')
    assert (await publish(gql, hub.writer, hub.project, "1.0", spec))["userErrors"] == []


async def test_a_connection_removed_from_the_project_refuses_the_spec_again(
    gql: GraphQLClient, factory: Factory, hub: Hub
) -> None:
    await factory.connection(hub.organization, "s3-data", projects=(hub.project,))
    assert (await publish(gql, hub.writer, hub.project, "1.0", USES_DATA))["userErrors"] == []
    await allow(gql, hub.admin, hub.project)
    refused = await publish(gql, hub.writer, hub.project, "1.1", USES_DATA)
    assert [e["code"] for e in refused["userErrors"]] == ["INVALID_SPEC"]
    # A connection of the same name in another organization is not this project's either.
    elsewhere = await factory.organization("globex", owner=hub.admin)
    await factory.connection(elsewhere, "s3-data")
    refused = await publish(gql, hub.writer, hub.project, "1.1", USES_DATA)
    assert [e["code"] for e in refused["userErrors"]] == ["INVALID_SPEC"]


class TestLiteralConnections:
    """Where a spec names connections, by Polyaxon's schema: a run (and each replica of a
    distributed run, and the runs of a dag's inline components) mounts `connections` and the
    `connection` of its `init` entries."""

    def test_in_a_job(self) -> None:
        spec, _ = specs.validate(
            "kind: component\nrun:\n  kind: job\n  connections: [a, '{{ b }}']\n"
            "  init: [{connection: c}, {git: {url: x}}, {connection: '{% if x %}d{% endif %}'}]\n"
        )
        assert specs.literal_connections(spec) == [
            ("run.connections[0]", "a"),
            ("run.init[0].connection", "c"),
        ]

    def test_in_replicas_and_dags(self) -> None:
        spec, _ = specs.validate(
            """
kind: component
run:
  kind: dag
  operations:
    - name: train
      component:
        run:
          kind: tfjob
          chief: {connections: [a]}
          worker: {init: [{connection: b}]}
    - name: serve
      hubRef: kaniko
    - name: ray
      component:
        run: {kind: rayjob, head: {connections: [c]}, workers: {small: {connections: [d]}}}
"""
        )
        assert specs.literal_connections(spec) == [
            ("run.operations[0].component.run.chief.connections[0]", "a"),
            ("run.operations[0].component.run.worker.init[0].connection", "b"),
            ("run.operations[2].component.run.head.connections[0]", "c"),
            ("run.operations[2].component.run.workers.small.connections[0]", "d"),
        ]

    def test_none_in_the_real_hub(self) -> None:
        named = {
            path.stem: specs.literal_connections(specs.validate(path.read_text())[0])
            for path in REAL_SPECS
        }
        assert set(map(len, named.values())) == {0}
