"""Every table, imported in one place so Alembic and the tests see the whole metadata."""

from app.activity.models import Activity
from app.connections.models import Connection, ProjectConnection
from app.db import Base
from app.hub.models import ComponentStageCondition, ComponentVersion, ComponentVersionAlias
from app.organizations.models import Organization, OrganizationMember
from app.projects.models import Project, ProjectGrant, PromotionSource
from app.registry.models import ModelVersion, ModelVersionAlias, StageCondition
from app.runs.models import Run, RunArtifact, RunEdge
from app.service_accounts.models import ServiceAccount
from app.teams.models import Team, TeamMember
from app.users.models import AccessToken, AccessTokenProject, User
from app.webhooks.models import Webhook, WebhookAttempt, WebhookDelivery

__all__ = [
    "AccessToken",
    "AccessTokenProject",
    "Activity",
    "Base",
    "ComponentStageCondition",
    "ComponentVersion",
    "ComponentVersionAlias",
    "Connection",
    "ModelVersion",
    "ModelVersionAlias",
    "Organization",
    "OrganizationMember",
    "Project",
    "ProjectConnection",
    "ProjectGrant",
    "PromotionSource",
    "Run",
    "RunArtifact",
    "RunEdge",
    "ServiceAccount",
    "StageCondition",
    "Team",
    "TeamMember",
    "User",
    "Webhook",
    "WebhookAttempt",
    "WebhookDelivery",
]
