"""Webhooks in one process: signed deliveries a receiver can verify, retries that back off and
show in `deliveries`, refused private addresses, and a secret shown once and never again."""

import asyncio
import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.events.bus import Bus
from app.main import create_app
from app.projects.models import ProjectFeature
from app.settings import Settings
from app.webhooks.delivery import Deliverer
from tests.helpers import Factory, GraphQLClient, Person, error_codes, global_id
from tests.logs import ServerLog
from tests.webhooks.receiver import Receiver, receiver

CREATE = """mutation($input: CreateWebhookInput!) {
  createWebhook(input: $input) {
    webhook { id url events active } secret userErrors { field code message } } }"""
TRANSITION = """mutation($id: ID!, $stage: Stage!) {
  transitionModelVersionStage(input: {id: $id, stage: $stage}) { modelVersion { stage } } }"""
DELIVERIES = """query($id: ID!) { node(id: $id) { ... on Webhook {
  deliveries(first: 10) { totalCount edges { node { id guid event status deliveredAt
    attempts(first: 10) { totalCount edges { node { at statusCode durationMs error } } } } } }
} } }"""


@pytest.fixture
def loopback_settings(settings: Settings) -> Settings:
    """Receivers in the tests listen on loopback; retries come quickly."""
    return settings.model_copy(
        update={"webhook_allow_private_addresses": True, "webhook_retry_base_seconds": 0.05}
    )


@pytest.fixture
async def hooks_gql(
    loopback_settings: Settings, engine: AsyncEngine
) -> AsyncIterator[GraphQLClient]:
    app = create_app(loopback_settings, engine=engine)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://hubql.test") as client:
        yield GraphQLClient(client)


@pytest.fixture
async def deliverer(
    loopback_settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> AsyncIterator[Deliverer]:
    running = Deliverer(sessions, loopback_settings, Bus())
    yield running
    await running.stop()


async def _world(factory: Factory) -> tuple[Person, int, str]:
    owner = await factory.user("owner")
    acme = await factory.organization("acme", owner=owner)
    project = await factory.project(
        acme, "vision", features=frozenset({ProjectFeature.RUNTIME, ProjectFeature.MODEL})
    )
    version = global_id("ModelVersion", await factory.model_version(project, "v1"))
    return owner, project, version


async def _create(
    gql: GraphQLClient, owner: Person, project: int, url: str, **extra: Any
) -> dict[str, Any]:
    variables = {
        "projectId": global_id("Project", project),
        "url": url,
        "events": ["model_version.*"],
    }
    data = await gql.data(CREATE, {"input": {**variables, **extra}}, as_=owner)
    payload: dict[str, Any] = data["createWebhook"]
    return payload


async def _until_settled(deliverer: Deliverer, within: float = 5.0) -> None:
    """Deliver what is due until nothing is left pending (retries included)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while loop.time() < deadline:
        await deliverer.deliver_due()
        await asyncio.sleep(0.02)
        async with deliverer._sessions() as session:
            from sqlalchemy import func, select  # noqa: PLC0415

            from app.webhooks.models import DeliveryStatus, WebhookDelivery  # noqa: PLC0415

            pending = await session.scalar(
                select(func.count()).where(WebhookDelivery.status == DeliveryStatus.PENDING)
            )
        if not pending:
            return


def _verified(hook: Receiver, secret: str) -> list[dict[str, Any]]:
    """Every request's JSON, after checking its signature as a receiver would."""
    bodies = []
    for request in hook.requests:
        expected = "sha256=" + hmac.new(secret.encode(), request.body, hashlib.sha256).hexdigest()
        assert hmac.compare_digest(request.headers["X-Hubql-Signature-256"], expected)
        bodies.append(json.loads(request.body))
    return bodies


async def test_a_delivery_is_signed_and_verifiable(
    hooks_gql: GraphQLClient, factory: Factory, deliverer: Deliverer
) -> None:
    owner, project, version = await _world(factory)
    with receiver() as hook:
        created = await _create(hooks_gql, owner, project, hook.url)
        assert created["userErrors"] == []
        secret = created["secret"]
        await hooks_gql.data(TRANSITION, {"id": version, "stage": "STAGING"}, as_=owner)
        await _until_settled(deliverer)
        [body] = _verified(hook, secret)
        [request] = hook.requests
    assert request.headers["X-Hubql-Event"] == "model_version.stage_changed"
    assert request.headers["X-Hubql-Delivery"] == body["delivery"]
    assert body["event"] == "model_version.stage_changed"
    assert body["subject"] == {"type": "ModelVersion", "id": version}
    assert body["details"]["stage"] == "STAGING"


async def test_a_failing_receiver_gets_retries_that_back_off(
    hooks_gql: GraphQLClient, factory: Factory, deliverer: Deliverer
) -> None:
    owner, project, version = await _world(factory)
    with receiver(statuses=[500, 503]) as hook:
        created = await _create(hooks_gql, owner, project, hook.url)
        await hooks_gql.data(TRANSITION, {"id": version, "stage": "STAGING"}, as_=owner)
        await _until_settled(deliverer)
        assert len(hook.requests) == 3
        # The same delivery each time: a receiver can tell a retry from a new event.
        assert len({r.headers["X-Hubql-Delivery"] for r in hook.requests}) == 1
    data = await hooks_gql.data(DELIVERIES, {"id": created["webhook"]["id"]}, as_=owner)
    [delivery] = [edge["node"] for edge in data["node"]["deliveries"]["edges"]]
    assert delivery["status"] == "SUCCEEDED"
    attempts = [edge["node"] for edge in delivery["attempts"]["edges"]]
    assert [a["statusCode"] for a in attempts] == [500, 503, 200]
    assert [a["error"] for a in attempts] == [
        "The receiver answered 500.",
        "The receiver answered 503.",
        None,
    ]
    gaps = [(hook.requests[i + 1].at - hook.requests[i].at) for i in range(len(hook.requests) - 1)]
    assert gaps[1] > gaps[0] >= 0.05  # base, then twice the base (plus jitter)


async def test_a_private_address_is_refused_and_changes_nothing(
    gql: GraphQLClient, factory: Factory
) -> None:
    owner, project, _ = await _world(factory)
    before = await factory.row_counts()
    for url in ("http://127.0.0.1:9/hooks", "http://169.254.169.254/latest", "http://[::1]/x"):
        payload = await _create(gql, owner, project, url)
        assert payload["webhook"] is None
        assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [("url", "INVALID")]
    assert await factory.row_counts() == before


async def test_the_secret_is_shown_once_and_never_logged(
    hooks_gql: GraphQLClient, factory: Factory, deliverer: Deliverer, server_log: ServerLog
) -> None:
    owner, project, version = await _world(factory)
    with receiver() as hook:
        chosen = "a-secret-only-the-receiver-knows"
        created = await _create(hooks_gql, owner, project, hook.url, secret=chosen)
        assert created["secret"] == chosen
        await hooks_gql.data(TRANSITION, {"id": version, "stage": "STAGING"}, as_=owner)
        await _until_settled(deliverer)
        _verified(hook, chosen)
    everything = await hooks_gql(
        """query($id: ID!) { node(id: $id) { ... on Webhook { url events active
             deliveries(first: 5) { edges { node { guid event status } } } } } }""",
        {"id": created["webhook"]["id"]},
        as_=owner,
    )
    assert chosen not in json.dumps(everything)
    assert chosen not in server_log.read()


async def test_only_who_manages_the_project_sees_its_webhooks(
    gql: GraphQLClient, factory: Factory
) -> None:
    owner, project, _ = await _world(factory)
    await _create(gql, owner, project, "https://hooks.example.com/x")
    body = await gql(
        '{ project(owner: "acme", name: "vision") { webhooks { totalCount } } }', as_=owner
    )
    assert body["data"]["project"]["webhooks"]["totalCount"] in (0, 1)
    stranger = await factory.user("stranger")
    assert error_codes(
        await gql(
            """mutation($input: CreateWebhookInput!) { createWebhook(input: $input) { secret } }""",
            {
                "input": {
                    "projectId": global_id("Project", project),
                    "url": "https://x.example",
                    "events": ["*"],
                }
            },
            as_=stranger,
        )
    ) == ["NOT_FOUND"]


async def test_a_webhook_that_keeps_failing_is_switched_off_with_an_event(
    loopback_settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    hooks_gql: GraphQLClient,
    factory: Factory,
) -> None:
    owner, project, version = await _world(factory)
    strict = loopback_settings.model_copy(
        update={"webhook_disable_after_failures": 2, "webhook_max_attempts": 2}
    )
    failing = Deliverer(sessions, strict, Bus())
    try:
        with receiver(statuses=[500] * 10) as hook:
            created = await _create(hooks_gql, owner, project, hook.url)
            await hooks_gql.data(TRANSITION, {"id": version, "stage": "STAGING"}, as_=owner)
            await _until_settled(failing)
            # Off: the next event is not even queued.
            await hooks_gql.data(TRANSITION, {"id": version, "stage": "TESTING"}, as_=owner)
            await _until_settled(failing)
            assert len(hook.requests) == 2
    finally:
        await failing.stop()
    data = await hooks_gql.data(
        """query($id: ID!) { node(id: $id) { ... on Webhook { active consecutiveFailures
             deliveries(first: 5) { edges { node { status } } } } }
           organization(name: "acme") { activity(first: 10) { edges { node { verb } } } } }""",
        {"id": created["webhook"]["id"]},
        as_=owner,
    )
    assert data["node"]["active"] is False
    assert data["node"]["consecutiveFailures"] == 2
    assert [e["node"]["status"] for e in data["node"]["deliveries"]["edges"]] == ["FAILED"]
    verbs = [e["node"]["verb"] for e in data["organization"]["activity"]["edges"]]
    assert "webhook.disabled" in verbs
