"""The lists of webhooks and of their deliveries the graph pages (the fields' permission says
who may see them: whoever may manage the organization's or the project's webhooks)."""

from sqlalchemy import select

from app.graphql.kit import Listing
from app.graphql.refs import WebhookAttemptRef, WebhookDeliveryRef, WebhookRef
from app.pagination import SortKey
from app.webhooks.models import Webhook, WebhookAttempt, WebhookDelivery

_OLDEST_FIRST = SortKey("created_at", ((Webhook.created_at, False), (Webhook.id, False)))

# An organization's own webhooks (its projects' are listed under each project).
ORGANIZATION_WEBHOOKS = Listing(
    model=Webhook,
    node=WebhookRef,
    rows=lambda _ctx: select(Webhook).where(Webhook.project_id.is_(None)),
    parent=Webhook.organization_id,
    order=_OLDEST_FIRST,
)
PROJECT_WEBHOOKS = Listing(
    model=Webhook, node=WebhookRef, parent=Webhook.project_id, order=_OLDEST_FIRST
)
DELIVERIES = Listing(
    model=WebhookDelivery,
    node=WebhookDeliveryRef,
    parent=WebhookDelivery.webhook_id,
    order=SortKey("-id", ((WebhookDelivery.id, True),)),
)
ATTEMPTS = Listing(
    model=WebhookAttempt,
    node=WebhookAttemptRef,
    parent=WebhookAttempt.delivery_id,
    order=SortKey("at", ((WebhookAttempt.at, False), (WebhookAttempt.id, False))),
)
