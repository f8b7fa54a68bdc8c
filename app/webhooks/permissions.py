"""Who may see an organization's or a project's webhooks: whoever may manage them there (a read:
through a read-only token too)."""

from typing import Any

from strawberry.permission import BasePermission

from app.authz.roles import Action, Kind
from app.errors import ErrorCode
from app.graphql.context import Info
from app.graphql.kit import described_permission
from app.projects.models import Project


@described_permission(
    "Readable by whoever may manage the webhooks here (organization OWNERs and MANAGERs, or the "
    "project's ADMINs); anyone else gets FORBIDDEN."
)
class CanManageWebhooks(BasePermission):
    message = "Only those who manage its webhooks may see them."
    error_extensions = {"code": ErrorCode.FORBIDDEN.value}  # noqa: RUF012  (Strawberry reads it)

    async def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        kind = Kind.PROJECT if isinstance(source, Project) else Kind.ORGANIZATION
        return await info.context.access.may(kind, source, Action.READ_WEBHOOKS)
