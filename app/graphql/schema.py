"""The one place that sees every domain's slice of the graph and merges them."""

from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any, cast

import strawberry
from graphql import ASTValidationRule, GraphQLError
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry import relay
from strawberry.extensions import (
    AddValidationRules,
    MaxTokensLimiter,
    SchemaExtension,
)
from strawberry.tools import merge_types

from app.activity.types import Activity
from app.errors import BadUserInput
from app.graphql.context import Info
from app.graphql.core import row_id
from app.graphql.cost import ListSize
from app.graphql.extensions import ErrorPolicy, OperationLimits, SafeParserCache
from app.graphql.limits import RateLimitQuery
from app.graphql.scalars import SCALAR_OVERRIDES, InputLiteralsRule
from app.hub.types import ComponentVersion, HubMutation, HubQuery
from app.organizations.types import Organization, OrganizationMutation, OrganizationQuery
from app.projects.types import Project, ProjectMutation, ProjectQuery
from app.ratelimit import RateLimiter
from app.registry.types import ModelVersion, RegistryMutation, RegistryQuery
from app.runs.types import Run, RunMutation
from app.settings import Settings
from app.teams.types import Team, TeamMutation
from app.users.types import AccessToken, User, UserMutation, UserQuery

NODE_TYPES: tuple[type[relay.Node], ...] = (
    User,
    AccessToken,
    Organization,
    Team,
    Project,
    Run,
    Activity,
    ModelVersion,
    ComponentVersion,
)
_NODE_TYPES_BY_NAME = {node_type.__name__: node_type for node_type in NODE_TYPES}


async def resolve_global_ids(info: Info, ids: list[relay.GlobalID]) -> list[relay.Node | None]:
    """Resolve ids of any type, in order; unknown, missing or unreadable ones are null."""
    by_type: dict[type[relay.Node], list[str]] = {}
    for global_id in ids:
        node_type = _NODE_TYPES_BY_NAME.get(global_id.type_name)
        if node_type is not None and row_id(global_id.node_id) is not None:
            by_type.setdefault(node_type, []).append(global_id.node_id)
    resolved: dict[tuple[str, str], relay.Node | None] = {}
    for node_type, node_ids in by_type.items():
        nodes = await cast(
            "Awaitable[list[relay.Node | None]]",
            node_type.resolve_nodes(info=info, node_ids=node_ids),
        )
        resolved.update(
            {
                (node_type.__name__, node_id): node
                for node_id, node in zip(node_ids, nodes, strict=True)
            }
        )
    return [resolved.get((global_id.type_name, global_id.node_id)) for global_id in ids]


@strawberry.type
class NodeQuery:
    @strawberry.field(
        description="Any object by its global id; null when the viewer may not read it."
    )
    async def node(self, info: Info, id: relay.GlobalID) -> relay.Node | None:
        return (await resolve_global_ids(info, [id]))[0]

    @strawberry.field(
        description="Objects by global id, in order; null where not readable.",
        directives=[ListSize(slicing_arguments=["ids"])],
    )
    async def nodes(self, info: Info, ids: list[relay.GlobalID]) -> list[relay.Node | None]:
        if len(ids) > info.context.settings.max_page_size:
            raise BadUserInput(
                f"Ask for at most {info.context.settings.max_page_size} ids at once."
            )
        return await resolve_global_ids(info, ids)


Query = merge_types(
    "Query",
    (
        NodeQuery,
        RateLimitQuery,
        UserQuery,
        OrganizationQuery,
        ProjectQuery,
        RegistryQuery,
        HubQuery,
    ),
)
Mutation = merge_types(
    "Mutation",
    (
        UserMutation,
        OrganizationMutation,
        TeamMutation,
        ProjectMutation,
        RunMutation,
        RegistryMutation,
        HubMutation,
    ),
)


def build_extensions(settings: Settings) -> list[Callable[[], SchemaExtension]]:
    """Factories, so every request gets its own extension instances."""
    limiter = RateLimiter(settings.rate_limit_per_minute)
    extensions: list[Callable[[], SchemaExtension]] = [
        partial(ErrorPolicy, hide_suggestions=not settings.introspection),
        partial(SafeParserCache, maxsize=256),
        partial(MaxTokensLimiter, max_token_count=settings.max_tokens),
        partial(OperationLimits, settings=settings, limiter=limiter),
    ]
    rules: list[type[ASTValidationRule]] = [InputLiteralsRule]
    if not settings.introspection:
        rules.append(NoSchemaIntrospectionCustomRule)
    extensions.append(partial(AddValidationRules, rules))
    return extensions


class Schema(strawberry.Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context: Any = None) -> None:
        """Expected errors are the client's business; ErrorPolicy logs the unexpected ones."""


def build_schema(settings: Settings) -> strawberry.Schema:
    return Schema(
        query=Query,
        mutation=Mutation,
        types=list(NODE_TYPES),
        extensions=build_extensions(settings),
        scalar_overrides=SCALAR_OVERRIDES,
    )
