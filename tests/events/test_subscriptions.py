"""Subscriptions against a real `hubql serve`: events arrive after commit, only for what the
subscriber may read when they are sent."""

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from app.organizations.models import OrganizationRole
from app.projects.models import ProjectFeature, ProjectRole, ProjectVisibility
from tests.events.client import subscriber
from tests.faults.processes import Server, hubql_server
from tests.helpers import Factory, Person, global_id

TRANSITION = """mutation($id: ID!, $stage: Stage!) {
  transitionModelVersionStage(input: {id: $id, stage: $stage}) { modelVersion { stage } } }"""
REMOVE_ACCESS = """mutation($project: ID!, $username: String!) {
  removeProjectAccess(input: {projectId: $project, username: $username}) { grant { role } } }"""
VERSION_EVENTS = """subscription($project: ID!) {
  modelVersionEvents(project: $project) {
    activity { verb details } modelVersion { name stage } } }"""
ACTIVITY = """subscription($organization: String!) {
  activity(organization: $organization) { verb subject { id } } }"""


@pytest.fixture
def server(database_url: str, tmp_path: Path) -> Iterator[Server]:
    with hubql_server(database_url, tmp_path) as running:
        yield running


def post(
    server: Server, query: str, variables: dict[str, object], as_: Person
) -> dict[str, object]:
    response = httpx.post(
        f"{server.base}/graphql",
        json={"query": query, "variables": variables},
        headers={"Authorization": f"Bearer {as_.token}"},
        timeout=10,
    )
    body: dict[str, object] = response.json()
    assert "errors" not in body, body
    return body


class World:
    def __init__(self, factory: Factory) -> None:
        self.factory = factory

    async def build(self) -> "World":
        factory = self.factory
        self.admin = await factory.user("admin")
        self.reader = await factory.user("reader")  # a grant on the private project
        self.outsider = await factory.user("outsider")  # in the organization, not the project
        acme = await factory.organization("acme", owner=self.admin)
        await factory.member(acme, self.reader, OrganizationRole.VIEWER)
        await factory.member(acme, self.outsider, OrganizationRole.VIEWER)
        self.project_id = await factory.project(
            acme,
            "secret",
            visibility=ProjectVisibility.PRIVATE,
            features=frozenset({ProjectFeature.RUNTIME, ProjectFeature.MODEL}),
        )
        await factory.grant(self.project_id, ProjectRole.VIEWER, person=self.reader)
        self.version = global_id("ModelVersion", await factory.model_version(self.project_id, "v1"))
        return self

    @property
    def project(self) -> str:
        return global_id("Project", self.project_id)


async def test_events_reach_readers_only_and_stop_when_access_goes(
    factory: Factory, server: Server
) -> None:
    world = await World(factory).build()
    async with (
        subscriber(server.base, world.reader.token) as reader,
        subscriber(server.base, world.outsider.token) as outsider,
    ):
        await reader.subscribe("versions", VERSION_EVENTS, {"project": world.project})
        await reader.subscribe("activity", ACTIVITY, {"organization": "acme"})
        await outsider.subscribe("activity", ACTIVITY, {"organization": "acme"})
        # Not readable: refused at once, as a query would be.
        await outsider.subscribe("versions", VERSION_EVENTS, {"project": world.project})
        await outsider.wait_for("none", 1, within=1.0)  # the subscriptions are in place

        post(server, TRANSITION, {"id": world.version, "stage": "STAGING"}, world.admin)
        [event] = await reader.wait_for("versions", 1, within=2.0)
        assert event["modelVersionEvents"] == {
            "activity": {
                "verb": "model_version.stage_changed",
                "details": {"name": "v1", "stage": "STAGING", "reason": None},
            },
            "modelVersion": {"name": "v1", "stage": "STAGING"},
        }
        assert await reader.wait_for("activity", 1, within=2.0) == [
            {"activity": {"verb": "model_version.stage_changed", "subject": {"id": world.version}}}
        ]
        assert [e.get("extensions", {}).get("code") for e in outsider.errors("versions")] == [
            "NOT_FOUND"
        ], outsider.messages

        # The reader's grant goes: what follows in that project is no longer theirs to see.
        post(server, REMOVE_ACCESS, {"project": world.project, "username": "reader"}, world.admin)
        post(server, TRANSITION, {"id": world.version, "stage": "TESTING"}, world.admin)
        post(server, TRANSITION, {"id": world.version, "stage": "STAGING"}, world.admin)
        assert len(await reader.wait_for("versions", 2, within=2.0)) == 1
        assert len(await reader.wait_for("activity", 2, within=0.5)) == 1
        assert outsider.events("activity") == []


async def test_subscriptions_on_one_socket_do_not_disturb_each_other(
    factory: Factory, server: Server
) -> None:
    """Each subscription has its own session and loaders: completing one (at once, while both
    still wait on their first reads) leaves the other running; events keep reaching it."""
    world = await World(factory).build()
    async with subscriber(server.base, world.reader.token) as reader:
        # The same subscription twice: both ask for the same facts at once.
        await reader.subscribe("kept", VERSION_EVENTS, {"project": world.project})
        await reader.subscribe("gone", VERSION_EVENTS, {"project": world.project})
        await reader.socket.send('{"id": "gone", "type": "complete"}')
        await reader.wait_for("none", 1, within=1.0)
        for stage in ("STAGING", "TESTING", "STAGING"):
            post(server, TRANSITION, {"id": world.version, "stage": stage}, world.admin)
        events = await reader.wait_for("kept", 3, within=5.0)
        # (`modelVersion` is the version as it is when the event is sent; the details, then.)
        assert [e["modelVersionEvents"]["activity"]["details"]["stage"] for e in events] == [
            "STAGING",
            "TESTING",
            "STAGING",
        ], reader.messages
        assert reader.errors("kept") == []
        assert not any(m.get("id") == "kept" and m["type"] == "complete" for m in reader.messages)
