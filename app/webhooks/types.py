"""Webhooks in the graph: views over `app.webhooks.models` rows, and the mutations."""

from collections.abc import Iterable
from datetime import datetime
from typing import Annotated, Any

import strawberry
from strawberry import relay

from app.graphql.context import Info
from app.graphql.kit import (
    INPUT_DOC,
    Deleted,
    RowNode,
    Slice,
    connection,
    decode_id,
    described_enum,
    mutate,
    mutation,
    payload,
    related,
)
from app.graphql.refs import OrganizationRef, ProjectRef, WebhookDeliveryRef, WebhookRef
from app.organizations.models import Organization as OrganizationRow
from app.projects.models import Project as ProjectRow
from app.webhooks import models
from app.webhooks import service as webhooks
from app.webhooks.listing import ATTEMPTS, DELIVERIES

described_enum(
    models.DeliveryStatus,
    name="WebhookDeliveryStatus",
    description="Where a delivery stands.",
    values={
        "PENDING": "Waiting for its first or next attempt (`nextAttemptAt`).",
        "SUCCEEDED": "The receiver answered 2xx.",
        "FAILED": "Every attempt failed; `redeliverWebhookDelivery` sends it again.",
    },
)


async def _manageable(info: Info, hooks: Iterable[models.Webhook | None]) -> list[Any]:
    return [
        hook if hook is not None and await webhooks.may_read(info.context, hook) else None
        for hook in hooks
    ]


@strawberry.type(description="One POST of a delivery.")
class WebhookAttempt:
    at: datetime = strawberry.field(description="When it was sent.")
    status_code: int | None = strawberry.field(
        description="The receiver's HTTP status; null when it never answered."
    )
    duration_ms: int = strawberry.field(description="How long it took, in milliseconds.")
    error: str | None = strawberry.field(description="Why it failed; null when it worked.")


@strawberry.type(
    name="WebhookDelivery",
    description="One event for one webhook, tried until the receiver answers 2xx.",
)
class WebhookDelivery(RowNode):
    model = models.WebhookDelivery
    guid: str = strawberry.field(description="`X-Hubql-Delivery`: the same on every attempt.")
    event: str = strawberry.field(description="`X-Hubql-Event`, e.g. `model_version.promoted`.")
    status: models.DeliveryStatus = strawberry.field(description="Where it stands.")
    created_at: datetime = strawberry.field(description="When the event happened.")
    next_attempt_at: datetime = strawberry.field(
        description="When it is (or was last) due; retries back off exponentially."
    )
    delivered_at: datetime | None = strawberry.field(
        description="When the receiver acknowledged it; null until then."
    )
    webhook: WebhookRef = related(models.Webhook, "webhook_id", description="Its webhook.")

    @connection(ATTEMPTS, description="Every POST so far, oldest first.")
    async def attempts(self, delivery: strawberry.Parent[models.WebhookDelivery]) -> Slice:
        return ATTEMPTS.under(delivery.id)

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        loaders = info.context.loaders
        ids = [int(i) for i in node_ids]
        deliveries = await loaders.rows(models.WebhookDelivery).load_many(ids)
        hooks = await _manageable(
            info,
            await loaders.rows(models.Webhook).load_many(
                [d.webhook_id for d in deliveries if d is not None]
            ),
        )
        allowed = {hook.id for hook in hooks if hook is not None}
        return [d if d is not None and d.webhook_id in allowed else None for d in deliveries]


@strawberry.type(
    name="Webhook",
    description="Where an organization's or a project's events are POSTed, signed "
    "(`X-Hubql-Signature-256: sha256=<HMAC-SHA256 of the body with the secret>`).",
)
class Webhook(RowNode):
    model = models.Webhook
    url: str = strawberry.field(description="Where deliveries are POSTed.")
    events: list[str] = strawberry.field(
        description="The events it wants: `model_version.stage_changed`, `model_version.*`, `*`."
    )
    active: bool = strawberry.field(
        description="Whether it gets new events; switched off after repeated failures."
    )
    consecutive_failures: int = strawberry.field(
        description="Deliveries that failed in a row (0 after a success)."
    )
    created_at: datetime = strawberry.field(description="When it was created.")
    updated_at: datetime = strawberry.field(description="When it last changed.")
    organization: OrganizationRef = related(
        OrganizationRow, "organization_id", description="Whose events."
    )
    project: ProjectRef | None = related(
        ProjectRow, "project_id", description="The project, for a project's webhook."
    )

    @connection(DELIVERIES, description="Deliveries, newest first.")
    async def deliveries(self, hook: strawberry.Parent[models.Webhook]) -> Slice:
        return DELIVERIES.under(hook.id)

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        rows = await info.context.loaders.rows(models.Webhook).load_many([int(i) for i in node_ids])
        return await _manageable(info, rows)


# ---- mutations --------------------------------------------------------------------------------


@strawberry.input(description="A new webhook on an organization or on one of its projects.")
class CreateWebhookInput:
    organization_id: relay.GlobalID | None = strawberry.field(
        default=None, description="An organization's global id (OWNER or MANAGER); or:"
    )
    project_id: relay.GlobalID | None = strawberry.field(
        default=None, description="A project's global id (its ADMINs)."
    )
    url: str = strawberry.field(
        description="http(s); a host that resolves to a private, loopback or link-local address "
        "is refused unless the server allows it."
    )
    events: list[str] = strawberry.field(
        description="Event names (`model_version.stage_changed`), `kind.*`, or `*`."
    )
    secret: str | None = strawberry.field(
        default=None,
        description="The signing secret (16 to 200 characters); one is made when omitted.",
    )


@payload
class CreateWebhookPayload:
    webhook: WebhookRef | None = None
    secret: str | None = strawberry.field(
        default=None, description="The signing secret. Shown only in this response: store it."
    )


@strawberry.input(description="Only the given fields change.")
class UpdateWebhookInput:
    id: relay.GlobalID = strawberry.field(description="The webhook's global id.")
    url: str | None = strawberry.field(default=strawberry.UNSET, description="A new URL.")
    events: list[str] | None = strawberry.field(
        default=strawberry.UNSET, description="The events it wants, replaced whole."
    )
    active: bool | None = strawberry.field(
        default=strawberry.UNSET,
        description="Switch it on (its failure count starts again) or off.",
    )
    secret: str | None = strawberry.field(
        default=strawberry.UNSET, description="A new signing secret (not shown back)."
    )


@payload
class WebhookPayload:
    webhook: WebhookRef | None = None


@strawberry.input(description="Which webhook to delete.")
class DeleteWebhookInput:
    id: relay.GlobalID = strawberry.field(description="The webhook's global id.")


@payload
class DeleteWebhookPayload(Deleted):
    pass


@strawberry.input(description="A delivery to send again.")
class RedeliverWebhookDeliveryInput:
    id: relay.GlobalID = strawberry.field(description="The delivery's global id.")


@payload
class WebhookDeliveryPayload:
    delivery: WebhookDeliveryRef | None = None


async def _create_webhook(
    info: Info, input: Annotated[CreateWebhookInput, strawberry.argument(description=INPUT_DOC)]
) -> CreateWebhookPayload | None:
    organization_id = (
        None
        if input.organization_id is None
        else decode_id(input.organization_id, "Organization", argument="organizationId")
    )
    project_id = (
        None
        if input.project_id is None
        else decode_id(input.project_id, "Project", argument="projectId")
    )

    async def create() -> dict[str, Any]:
        hook, secret = await webhooks.create(
            info.context,
            organization_id=organization_id,
            project_id=project_id,
            url=input.url,
            events=input.events,
            secret=input.secret,
        )
        return {"webhook": hook, "secret": secret}

    return await mutate(info, CreateWebhookPayload, create)


@strawberry.type
class WebhookMutation:
    create_webhook: CreateWebhookPayload | None = strawberry.mutation(
        resolver=_create_webhook,
        description="POST an organization's or a project's events to a URL, signed.",
    )
    update_webhook: WebhookPayload | None = mutation(
        webhooks.update,
        UpdateWebhookInput,
        target="Webhook",
        description="Change a webhook's URL, events, secret or whether it is on.",
    )
    delete_webhook: DeleteWebhookPayload | None = mutation(
        webhooks.delete,
        DeleteWebhookInput,
        target="Webhook",
        deletes=True,
        description="Delete a webhook and its delivery log.",
    )
    redeliver_webhook_delivery: WebhookDeliveryPayload | None = mutation(
        webhooks.redeliver,
        RedeliverWebhookDeliveryInput,
        target="WebhookDelivery",
        description="Send a delivery's event again, as a new delivery.",
    )
