"""Webhooks as the API changes them: an organization's by its OWNERs and MANAGERs, a project's
by its ADMINs (the policy says so: `manage_webhooks`)."""

import re
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from app.activity import service as activity
from app.authz.roles import Action, Kind
from app.context import Context
from app.db import utcnow
from app.errors import Invalid, NotFound
from app.organizations.models import Organization
from app.projects.models import Project
from app.unset import UNSET
from app.webhooks import secrets
from app.webhooks.models import DeliveryStatus, Webhook, WebhookDelivery
from app.webhooks.urls import check_url

MAX_EVENTS = 50
# `kind.verb` as activity names events (`model_version.stage_changed`), `kind.*`, or `*`.
_EVENT = re.compile(r"^(\*|[a-z][a-z_]{0,31}\.(\*|[a-z][a-z_]{0,31}))$")
MIN_SECRET, MAX_SECRET = 16, 200


def _events(events: Sequence[str]) -> list[str]:
    chosen = list(dict.fromkeys(events))
    if not chosen:
        raise Invalid("Choose at least one event (`*` for all).", field="events")
    if len(chosen) > MAX_EVENTS:
        raise Invalid(f"At most {MAX_EVENTS} events.", field="events")
    for index, event in enumerate(chosen):
        if not _EVENT.match(event):
            raise Invalid(
                f"{event!r} is not an event name like `model_version.stage_changed`, "
                "`model_version.*` or `*`.",
                field=f"events[{index}]",
            )
    return chosen


def _secret(secret: str | None) -> str:
    if secret is None:
        return secrets.new_secret()
    if not MIN_SECRET <= len(secret) <= MAX_SECRET or not secret.isprintable():
        raise Invalid(f"{MIN_SECRET} to {MAX_SECRET} printable characters.", field="secret")
    return secret


async def _url(ctx: Context, url: str) -> str:
    return await check_url(url, allow_private=ctx.settings.webhook_allow_private_addresses)


async def _owner(
    ctx: Context, organization_id: int | None, project_id: int | None
) -> tuple[int, int | None]:
    """(organization, project) of a new webhook, if the viewer may manage webhooks there."""
    if (organization_id is None) == (project_id is None):
        raise Invalid("Name the organization or the project, not both.", field="organizationId")
    if project_id is not None:
        project: Project = await ctx.access.get(Kind.PROJECT, project_id, Action.MANAGE_WEBHOOKS)
        return project.organization_id, project.id
    assert organization_id is not None
    organization: Organization = await ctx.access.get(
        Kind.ORGANIZATION, organization_id, Action.MANAGE_WEBHOOKS
    )
    return organization.id, None


async def get(ctx: Context, webhook_id: int) -> Webhook:
    """The webhook, if the viewer may manage its organization's or project's webhooks (NOT_FOUND
    to whoever may not see it, FORBIDDEN to one who sees it but may not change it)."""
    hook = await ctx.session.get(Webhook, webhook_id)
    if hook is None or not await may_read(ctx, hook):
        raise NotFound("No such webhook.")
    await _owner(ctx, None if hook.project_id else hook.organization_id, hook.project_id)
    return hook


async def may_read(ctx: Context, hook: Webhook) -> bool:
    if hook.project_id is not None:
        project = await ctx.session.get(Project, hook.project_id)
        return project is not None and await ctx.access.may(
            Kind.PROJECT, project, Action.READ_WEBHOOKS
        )
    organization = await ctx.session.get(Organization, hook.organization_id)
    return organization is not None and await ctx.access.may(
        Kind.ORGANIZATION, organization, Action.READ_WEBHOOKS
    )


async def _record(ctx: Context, verb: str, hook: Webhook, **details: Any) -> None:
    await activity.record(
        ctx,
        verb,
        ("Webhook", hook.id),
        organization_id=hook.organization_id,
        project_id=hook.project_id,
        details={"url": hook.url, **details},
    )


async def create(
    ctx: Context,
    *,
    organization_id: int | None = None,
    project_id: int | None = None,
    url: str,
    events: Sequence[str],
    secret: str | None = None,
) -> tuple[Webhook, str]:
    """The new webhook and its secret, in plain text this once."""
    organization_id, project_id = await _owner(ctx, organization_id, project_id)
    plain = _secret(secret)
    hook = Webhook(
        organization_id=organization_id,
        project_id=project_id,
        url=await _url(ctx, url),
        events=_events(events),
        secret=secrets.seal(ctx.settings, plain),
        created_by_id=ctx.viewer.user_id,
    )
    ctx.session.add(hook)
    await ctx.session.flush()
    await _record(ctx, "webhook.created", hook, events=hook.events)
    return hook, plain


async def update(
    ctx: Context,
    webhook_id: int,
    *,
    url: str = UNSET,
    events: Sequence[str] = UNSET,
    active: bool = UNSET,
    secret: str = UNSET,
) -> Webhook:
    hook = await get(ctx, webhook_id)
    if url is not UNSET:
        hook.url = await _url(ctx, url)
    if events is not UNSET:
        hook.events = _events(events)
    if active is not UNSET:
        hook.active = active
        if active:
            hook.consecutive_failures = 0
    if secret is not UNSET:
        hook.secret = secrets.seal(ctx.settings, _secret(secret))
    hook.updated_at = utcnow()
    await ctx.session.flush()
    await _record(ctx, "webhook.updated", hook)
    return hook


async def delete(ctx: Context, webhook_id: int) -> int:
    hook = await get(ctx, webhook_id)
    await _record(ctx, "webhook.deleted", hook)
    await ctx.session.delete(hook)
    await ctx.session.flush()
    return webhook_id


async def redeliver(ctx: Context, delivery_id: int) -> WebhookDelivery:
    """The event sent again, as a new delivery (with its own `X-Hubql-Delivery`)."""
    delivery = await ctx.session.get(WebhookDelivery, delivery_id)
    if delivery is None:
        raise NotFound("No such delivery.")
    hook = await get(ctx, delivery.webhook_id)
    again = WebhookDelivery(
        webhook_id=hook.id,
        activity_id=delivery.activity_id,
        guid=uuid.uuid4().hex,
        event=delivery.event,
        status=DeliveryStatus.PENDING,
    )
    ctx.session.add(again)
    await ctx.session.flush()
    return again


async def of(ctx: Context, organization_id: int, project_id: int | None) -> Sequence[Webhook]:
    """An organization's own webhooks (`project_id` None) or a project's."""
    statement = select(Webhook).where(Webhook.organization_id == organization_id)
    statement = statement.where(
        Webhook.project_id.is_(None) if project_id is None else Webhook.project_id == project_id
    )
    return (await ctx.session.scalars(statement.order_by(Webhook.id))).all()
