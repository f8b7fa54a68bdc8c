"""How the graph's types name each other: lazily when the schema is built (so no domain imports
another's types at run time), and as the ORM rows they are views of when mypy reads the code
(resolvers return rows; inputs are themselves). One place, so no `types.py` repeats them."""

from typing import TYPE_CHECKING, Annotated

import strawberry

if TYPE_CHECKING:
    from app.activity.models import Activity as ActivityRef
    from app.connections.models import Connection as ExternalConnectionRef
    from app.hub.models import ComponentVersion as ComponentVersionRef
    from app.organizations.models import Organization as OrganizationRef
    from app.organizations.models import OrganizationMember as OrganizationMemberRef
    from app.organizations.models import OrganizationMember as OrganizationMembershipRef
    from app.projects.models import Project as ProjectRef
    from app.projects.models import ProjectGrant as ProjectGrantRef
    from app.registry.models import ModelVersion as ModelVersionRef
    from app.runs.models import Run as RunRef
    from app.runs.models import RunArtifact as ArtifactRef
    from app.runs.types import ArtifactInput as ArtifactInputRef
    from app.service_accounts.models import ServiceAccount as ServiceAccountRef
    from app.teams.models import Team as TeamRef
    from app.teams.models import TeamMember as TeamMemberRef
    from app.users.models import AccessToken as AccessTokenRef
    from app.users.models import User as UserRef
    from app.webhooks.models import Webhook as WebhookRef
    from app.webhooks.models import WebhookAttempt as WebhookAttemptRef
    from app.webhooks.models import WebhookDelivery as WebhookDeliveryRef
else:
    ActivityRef = Annotated["Activity", strawberry.lazy("app.activity.types")]
    ComponentVersionRef = Annotated["ComponentVersion", strawberry.lazy("app.hub.types")]
    ExternalConnectionRef = Annotated[
        "ExternalConnection", strawberry.lazy("app.connections.types")
    ]
    OrganizationRef = Annotated["Organization", strawberry.lazy("app.organizations.types")]
    OrganizationMemberRef = Annotated[
        "OrganizationMember", strawberry.lazy("app.organizations.types")
    ]
    OrganizationMembershipRef = Annotated[
        "OrganizationMembership", strawberry.lazy("app.organizations.types")
    ]
    ProjectRef = Annotated["Project", strawberry.lazy("app.projects.types")]
    ProjectGrantRef = Annotated["ProjectGrant", strawberry.lazy("app.projects.types")]
    ModelVersionRef = Annotated["ModelVersion", strawberry.lazy("app.registry.types")]
    RunRef = Annotated["Run", strawberry.lazy("app.runs.types")]
    ArtifactRef = Annotated["Artifact", strawberry.lazy("app.runs.types")]
    ArtifactInputRef = Annotated["ArtifactInput", strawberry.lazy("app.runs.types")]
    ServiceAccountRef = Annotated["ServiceAccount", strawberry.lazy("app.service_accounts.types")]
    TeamRef = Annotated["Team", strawberry.lazy("app.teams.types")]
    TeamMemberRef = Annotated["TeamMember", strawberry.lazy("app.teams.types")]
    AccessTokenRef = Annotated["AccessToken", strawberry.lazy("app.users.types")]
    UserRef = Annotated["User", strawberry.lazy("app.users.types")]
    WebhookRef = Annotated["Webhook", strawberry.lazy("app.webhooks.types")]
    WebhookAttemptRef = Annotated["WebhookAttempt", strawberry.lazy("app.webhooks.types")]
    WebhookDeliveryRef = Annotated["WebhookDelivery", strawberry.lazy("app.webhooks.types")]

__all__ = [
    "AccessTokenRef",
    "ActivityRef",
    "ArtifactInputRef",
    "ArtifactRef",
    "ComponentVersionRef",
    "ExternalConnectionRef",
    "ModelVersionRef",
    "OrganizationMemberRef",
    "OrganizationMembershipRef",
    "OrganizationRef",
    "ProjectGrantRef",
    "ProjectRef",
    "RunRef",
    "ServiceAccountRef",
    "TeamMemberRef",
    "TeamRef",
    "UserRef",
    "WebhookAttemptRef",
    "WebhookDeliveryRef",
    "WebhookRef",
]
