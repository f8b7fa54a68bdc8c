"""The per-request GraphQL context: the service Context plus fresh loaders."""

from dataclasses import dataclass, field

import strawberry
from starlette.requests import Request
from starlette.responses import Response

from app.activity.loaders import ActivityLoaders
from app.context import Context
from app.hub.loaders import HubLoaders
from app.organizations.loaders import OrganizationLoaders
from app.projects.loaders import ProjectLoaders
from app.ratelimit import Budget
from app.registry.loaders import RegistryLoaders
from app.runs.loaders import RunLoaders
from app.teams.loaders import TeamLoaders
from app.users.loaders import UserLoaders


class Loaders:
    """Every loader of one request. Never shared: cached rows belong to one viewer."""

    def __init__(self, ctx: Context) -> None:
        self.users = UserLoaders(ctx)
        self.organizations = OrganizationLoaders(ctx)
        self.teams = TeamLoaders(ctx)
        self.projects = ProjectLoaders(ctx)
        self.runs = RunLoaders(ctx)
        self.activity = ActivityLoaders(ctx)
        self.registry = RegistryLoaders(ctx)
        self.hub = HubLoaders(ctx)


@dataclass
class GraphQLContext(Context):
    request: Request | None = None
    response: Response | None = None
    # The viewer's budget after this operation was charged (None when no limit is set).
    rate_limit: Budget | None = None
    loaders: Loaders = field(init=False)

    def __post_init__(self) -> None:
        self.reset_loaders()

    def reset_loaders(self) -> None:
        """After a mutation: what loaders cached may have changed (read your writes)."""
        self.loaders = Loaders(self)


Info = strawberry.Info[GraphQLContext, None]
