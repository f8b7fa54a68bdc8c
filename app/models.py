"""Every table, imported in one place so Alembic and the tests see the whole metadata."""

from app.activity.models import Activity
from app.db import Base
from app.hub.models import ComponentStageCondition, ComponentVersion, ComponentVersionAlias
from app.organizations.models import Organization, OrganizationMember
from app.projects.models import Project, ProjectGrant, PromotionSource
from app.registry.models import ModelVersion, ModelVersionAlias, StageCondition
from app.runs.models import Run, RunArtifact, RunEdge
from app.teams.models import Team, TeamMember
from app.users.models import AccessToken, User
from app.webhooks.models import Webhook, WebhookAttempt, WebhookDelivery

__all__ = [
    "AccessToken",
    "Activity",
    "Base",
    "ComponentStageCondition",
    "ComponentVersion",
    "ComponentVersionAlias",
    "ModelVersion",
    "ModelVersionAlias",
    "Organization",
    "OrganizationMember",
    "Project",
    "ProjectGrant",
    "PromotionSource",
    "Run",
    "RunArtifact",
    "RunEdge",
    "StageCondition",
    "Team",
    "TeamMember",
    "User",
    "Webhook",
    "WebhookAttempt",
    "WebhookDelivery",
]
