"""The one place that sees every domain's slice of the graph and merges them."""

from collections.abc import Callable
from functools import partial
from typing import Any

import strawberry
from graphql import ASTValidationRule, GraphQLError
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry import relay
from strawberry.extensions import (
    AddValidationRules,
    MaxTokensLimiter,
    SchemaExtension,
    ValidationCache,
)
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.tools import merge_types
from strawberry.types.base import get_object_definition

from app.activity.types import Activity
from app.authz.roles import Kind
from app.connections.types import ConnectionMutation, ExternalConnection
from app.events.types import Subscription
from app.graphql.extensions import (
    ActiveSubscriptions,
    ErrorPolicy,
    OperationFacts,
    OperationLimits,
    SafeParserCache,
    SubscriptionContext,
)
from app.graphql.limits import RateLimitQuery
from app.graphql.lookahead import install_direct_resolvers
from app.graphql.nodes import NodeQuery
from app.graphql.scalars import SCALAR_OVERRIDES, InputLiteralsRule
from app.hub import types as hub
from app.hub.types import ComponentVersion, HubMutation, HubQuery
from app.metrics import AppMetrics
from app.organizations.types import Organization, OrganizationMutation, OrganizationQuery
from app.projects.types import Project, ProjectMutation, ProjectQuery
from app.ratelimit import RateLimiter
from app.registry import types as registry
from app.registry.types import ModelVersion, RegistryMutation, RegistryQuery
from app.runs.types import Run, RunMutation
from app.service_accounts.types import ServiceAccount, ServiceAccountMutation
from app.settings import Settings
from app.teams.types import Team, TeamMutation
from app.users.types import AccessToken, User, UserMutation, UserQuery
from app.versions.types import version_mutations
from app.webhooks.types import Webhook, WebhookDelivery, WebhookMutation

# Every node type, so `node(id:)` may return any of them (not all are reachable by a field).
NODE_TYPES: tuple[type[relay.Node], ...] = (
    User,
    AccessToken,
    Organization,
    Team,
    ExternalConnection,
    Project,
    Run,
    Activity,
    ModelVersion,
    ComponentVersion,
    Webhook,
    WebhookDelivery,
    ServiceAccount,
)

# The mutations every kind of version has, per kind: its payload, and its inputs in the order its
# SDL names the mutations.
ModelVersionMutation = version_mutations(
    Kind.MODEL_VERSION, registry.ModelVersionPayload,
    update=registry.UpdateModelVersionInput, delete=registry.DeleteModelVersionInput,
    transition=registry.TransitionModelVersionStageInput,
)  # fmt: skip
ComponentVersionMutation = version_mutations(
    Kind.COMPONENT_VERSION, hub.ComponentVersionPayload,
    update=hub.UpdateComponentVersionInput, transition=hub.TransitionComponentVersionStageInput,
    delete=hub.ComponentVersionIdInput,
)  # fmt: skip

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
get_object_definition(Query, strict=True).description = (
    "Where reading starts. Whatever the viewer may not read is null (or left out of a list), "
    "as if it did not exist."
)
Mutation = merge_types(
    "Mutation",
    (
        UserMutation,
        OrganizationMutation,
        TeamMutation,
        ConnectionMutation,
        ProjectMutation,
        RunMutation,
        RegistryMutation,
        ModelVersionMutation,
        HubMutation,
        ComponentVersionMutation,
        WebhookMutation,
        ServiceAccountMutation,
    ),
)


get_object_definition(Mutation, strict=True).description = (
    "Every change. Each mutation takes one `input` and runs in one transaction; a refused rule is "
    "its payload's `userErrors`, a refused viewer a top-level error."
)


def build_extensions(
    settings: Settings, metrics: AppMetrics | None = None
) -> list[Callable[[], SchemaExtension]]:
    """Factories, so every request gets its own extension instances."""
    limiter = RateLimiter(settings.rate_limit_per_minute)
    extensions: list[Callable[[], SchemaExtension]] = [
        # First, so it leaves the operation last: after ErrorPolicy has coded the errors.
        OperationFacts,
        partial(ErrorPolicy, hide_suggestions=not settings.introspection),
        partial(SafeParserCache, maxsize=256),
        partial(MaxTokensLimiter, max_token_count=settings.max_tokens),
    ]
    rules: list[type[ASTValidationRule]] = [InputLiteralsRule]
    if not settings.introspection:
        rules.append(NoSchemaIntrospectionCustomRule)
    extensions.append(partial(AddValidationRules, rules))
    # A document validates the same way every time (schema and rules are fixed): W2 spent 10 ms
    # a request re-validating it. Keyed by the parsed document, which SafeParserCache shares.
    extensions.append(partial(ValidationCache, maxsize=256))
    # After the cache: it measures a document validation has accepted.
    extensions.append(partial(OperationLimits, settings=settings, limiter=limiter))
    extensions.append(SubscriptionContext)
    if metrics is not None:
        extensions.append(partial(ActiveSubscriptions, gauge=metrics.subscriptions))
    return extensions


class Schema(strawberry.Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context: Any = None) -> None:
        """Expected errors are the client's business; ErrorPolicy logs the unexpected ones."""


def _describe_directive_arguments(schema: strawberry.Schema) -> None:
    """Strawberry leaves out the descriptions of a schema directive's arguments (0.341's
    `from_schema_directive`): copied here from the directive's fields."""
    for directive in schema._schema.directives:
        definition = (directive.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
        for field in getattr(definition, "fields", ()):
            argument = directive.args.get(schema.config.name_converter.get_graphql_name(field))
            if argument is not None and argument.description is None:
                argument.description = field.description


def build_schema(settings: Settings, metrics: AppMetrics | None = None) -> strawberry.Schema:
    """The schema; with `metrics`, one that counts the subscriptions it serves."""
    schema = Schema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=list(NODE_TYPES),
        extensions=build_extensions(settings, metrics),
        scalar_overrides=SCALAR_OVERRIDES,
    )
    install_direct_resolvers(schema)
    _describe_directive_arguments(schema)
    return schema
