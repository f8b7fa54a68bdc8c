"""Webhook deliveries: queued with their event (in the mutation's transaction, so nothing is
announced that did not commit), claimed by any server process with `FOR UPDATE SKIP LOCKED` and
a lease, POSTed signed, logged attempt by attempt, retried with exponential backoff and jitter
until acknowledged (at least once), and the webhook switched off after repeated failures."""

import asyncio
import contextlib
import hashlib
import hmac
import random
import time
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

import httpx
import orjson
import structlog
from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from strawberry.relay import to_base64

from app.activity.models import Activity
from app.db import utcnow, write_transaction
from app.errors import Invalid
from app.events import outbox
from app.events.bus import Bus
from app.settings import Settings
from app.webhooks import secrets
from app.webhooks.models import DeliveryStatus, Webhook, WebhookAttempt, WebhookDelivery
from app.webhooks.urls import check_url

logger = structlog.get_logger(__name__)

CLAIM_BATCH = 10
DISABLED_EVENT = "webhook.disabled"


def wants(events: Sequence[str], verb: str) -> bool:
    """Whether a webhook's chosen events name this one: exactly, `kind.*`, or `*`."""
    kind = verb.split(".", 1)[0]
    return "*" in events or verb in events or f"{kind}.*" in events


async def enqueue(session: AsyncSession, activity: Activity) -> None:
    """A delivery of the event to every active webhook of its organization (and project) that
    chose it, in the transaction that wrote the event."""
    if activity.organization_id is None or activity.verb == DISABLED_EVENT:
        return
    hooks = await session.scalars(
        select(Webhook).where(
            Webhook.organization_id == activity.organization_id,
            Webhook.active.is_(True),
            or_(Webhook.project_id.is_(None), Webhook.project_id == activity.project_id),
        )
    )
    session.add_all(
        WebhookDelivery(
            webhook_id=hook.id, activity_id=activity.id, guid=uuid.uuid4().hex, event=activity.verb
        )
        for hook in hooks
        if wants(hook.events, activity.verb)
    )


def signature(secret: str, body: bytes) -> str:
    """`X-Hubql-Signature-256`: the receiver computes the same over the raw body and compares."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def body(delivery: WebhookDelivery, activity: Activity) -> bytes:
    def node(type_name: str, row_id: int | None) -> str | None:
        return None if row_id is None else to_base64(type_name, row_id)

    return orjson.dumps(
        {
            "delivery": delivery.guid,
            "event": activity.verb,
            "at": activity.at.isoformat(),
            "organizationId": node("Organization", activity.organization_id),
            "projectId": node("Project", activity.project_id),
            "actorId": node("User", activity.actor_id),
            "subject": {
                "type": activity.subject_type,
                "id": node(activity.subject_type, activity.subject_id),
            },
            "details": activity.details,
        }
    )


def backoff(settings: Settings, attempts: int) -> timedelta:
    """Before attempt `attempts + 1`: base * 2^(attempts - 1), plus up to a quarter more
    (jitter, so receivers that failed together are not hit together again)."""
    delay = settings.webhook_retry_base_seconds * 2 ** (attempts - 1)
    return timedelta(seconds=delay * (1 + random.uniform(0, 0.25)))  # noqa: S311


class Deliverer:
    """One per server process: delivers what is due, woken by commits and a poll."""

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], settings: Settings, bus: Bus
    ) -> None:
        self._sessions = sessions
        self._settings = settings
        self._bus = bus
        self._task: asyncio.Task[None] | None = None
        self._client = httpx.AsyncClient(
            timeout=settings.webhook_timeout_seconds, follow_redirects=False
        )

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="hubql-webhook-deliverer")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self._client.aclose()

    async def _run(self) -> None:
        while True:
            waiter = self._bus.waiter()
            try:
                if not await self.deliver_due():
                    await waiter.wait(self._settings.webhook_poll_seconds)
            except Exception:  # a failing database must not end deliveries for good
                logger.exception("webhook deliveries failed; trying again")
                await asyncio.sleep(self._settings.webhook_poll_seconds)
            finally:
                waiter.close()

    async def deliver_due(self) -> int:
        """Claim what is due and deliver it; how many were claimed."""
        claimed = await self._claim()
        await asyncio.gather(*(self._deliver(delivery_id) for delivery_id in claimed))
        return len(claimed)

    async def _claim(self) -> Sequence[int]:
        now = utcnow()
        due = (
            select(WebhookDelivery.id)
            .where(
                WebhookDelivery.status == DeliveryStatus.PENDING,
                WebhookDelivery.next_attempt_at <= now,
                or_(WebhookDelivery.leased_until.is_(None), WebhookDelivery.leased_until < now),
            )
            .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
            .limit(CLAIM_BATCH)
        )
        async with self._sessions() as session:
            # Mostly nothing is due: a plain read says so without taking SQLite's write lock.
            if (await session.scalars(due.limit(1))).first() is None:
                return []
        async with self._sessions() as session, write_transaction(session):
            ids = (await session.scalars(due.with_for_update(skip_locked=True))).all()
            if ids:
                lease = now + timedelta(seconds=self._settings.webhook_lease_seconds)
                await session.execute(
                    update(WebhookDelivery)
                    .where(WebhookDelivery.id.in_(ids))
                    .values(leased_until=lease)
                )
        return ids

    async def _deliver(self, delivery_id: int) -> None:
        async with self._sessions() as session:
            delivery = await session.get_one(WebhookDelivery, delivery_id)
            hook = await session.get_one(Webhook, delivery.webhook_id)
            activity = await session.get_one(Activity, delivery.activity_id)
        payload = body(delivery, activity)
        started = time.monotonic()
        status_code: int | None = None
        error: str | None = None
        try:
            await check_url(hook.url, allow_private=self._settings.webhook_allow_private_addresses)
            response = await self._client.post(
                hook.url,
                content=payload,
                headers={
                    "Content-Type": "application/json",
                    "User-Agent": "hubql-webhooks",
                    "X-Hubql-Event": activity.verb,
                    "X-Hubql-Delivery": delivery.guid,
                    "X-Hubql-Signature-256": signature(
                        secrets.unseal(self._settings, hook.secret), payload
                    ),
                },
            )
            status_code = response.status_code
            if not 200 <= status_code < 300:
                error = f"The receiver answered {status_code}."
        except Invalid as refused:
            error = refused.message
        except httpx.TimeoutException:
            error = f"No answer within {self._settings.webhook_timeout_seconds:g} s."
        except httpx.HTTPError as failed:
            error = f"The request failed: {type(failed).__name__}."
        duration_ms = round((time.monotonic() - started) * 1000)
        await self._record(delivery_id, status_code, duration_ms, error)

    async def _record(
        self, delivery_id: int, status_code: int | None, duration_ms: int, error: str | None
    ) -> None:
        now = utcnow()
        async with self._sessions() as session, write_transaction(session):
            delivery = await session.get_one(WebhookDelivery, delivery_id, with_for_update=True)
            hook = await session.get_one(Webhook, delivery.webhook_id, with_for_update=True)
            session.add(
                WebhookAttempt(
                    delivery_id=delivery.id,
                    at=now,
                    status_code=status_code,
                    duration_ms=duration_ms,
                    error=error,
                )
            )
            delivery.attempts += 1
            delivery.leased_until = None
            if error is None:
                delivery.status = DeliveryStatus.SUCCEEDED
                delivery.delivered_at = now
                hook.consecutive_failures = 0
                return
            hook.consecutive_failures += 1
            if delivery.attempts >= self._settings.webhook_max_attempts:
                delivery.status = DeliveryStatus.FAILED
            else:
                delivery.next_attempt_at = now + backoff(self._settings, delivery.attempts)
            if hook.active and (
                hook.consecutive_failures >= self._settings.webhook_disable_after_failures
            ):
                await self._disable(session, hook, now)

    async def _disable(self, session: AsyncSession, hook: Webhook, now: datetime) -> None:
        """Switched off after too many failures in a row, with an event saying so."""
        hook.active = False
        hook.updated_at = now
        await outbox.append(
            session,
            Activity(
                organization_id=hook.organization_id,
                project_id=hook.project_id,
                actor_id=None,
                verb=DISABLED_EVENT,
                subject_type="Webhook",
                subject_id=hook.id,
                details={"url": hook.url, "failures": hook.consecutive_failures},
            ),
        )
