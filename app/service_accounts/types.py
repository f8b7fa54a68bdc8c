"""Service accounts in the graph: views over `app.service_accounts.models` rows, and mutations."""

from datetime import datetime
from typing import Annotated, Any

import strawberry
from strawberry import relay
from strawberry.permission import BasePermission, PermissionExtension

from app.authz.roles import Action, Kind
from app.errors import ErrorCode
from app.graphql.context import Info
from app.graphql.kit import (
    INPUT_DOC,
    Deleted,
    RowNode,
    Slice,
    connection,
    decode_id,
    decode_ids,
    described_permission,
    in_organization,
    mutate,
    mutation,
    payload,
    related,
    viewer_permissions,
)
from app.graphql.refs import OrganizationRef, ServiceAccountRef, UserRef
from app.organizations.models import Organization as OrganizationRow
from app.organizations.models import OrganizationRole
from app.service_accounts import models
from app.service_accounts import service as accounts
from app.users.listing import ACCESS_TOKENS
from app.users.models import User as UserRow
from app.users.types import CreateAccessTokenInput, CreateAccessTokenPayload


@described_permission(
    "Readable by OWNERs and MANAGERs of the service account's organization; FORBIDDEN to others."
)
class CanManageTokens(BasePermission):
    message = "Only the organization's OWNERs and MANAGERs may see a service account's tokens."
    error_extensions = {"code": ErrorCode.FORBIDDEN.value}  # noqa: RUF012  (Strawberry reads it)

    async def has_permission(
        self, source: models.ServiceAccount, info: Info, **kwargs: Any
    ) -> bool:
        return await info.context.access.may(Kind.SERVICE_ACCOUNT, source, Action.READ_TOKENS)


@strawberry.type(description="What the viewer may do with this service account.")
class ServiceAccountPermissions:
    update: bool = strawberry.field(description="`updateServiceAccount`.")
    delete: bool = strawberry.field(description="`deleteServiceAccount`.")
    manage_tokens: bool = strawberry.field(
        description="`createServiceAccountToken`, and revoking its tokens."
    )


@strawberry.type(
    name="ServiceAccount",
    description="An organization's robot identity for CI/CD (Polyaxon's service accounts): a "
    "user that holds an organization role, project grants and team places like a person, signs "
    "in with tokens its OWNERs and MANAGERs issue, and is named in activity and `createdBy`.",
)
class ServiceAccount(RowNode):
    model, kind = models.ServiceAccount, Kind.SERVICE_ACCOUNT
    description: str | None = strawberry.field(description="What it is for; null when unset.")
    created_at: datetime = strawberry.field(description="When it was created.")
    user: UserRef = related(
        UserRow, "user_id", description="Its identity: the user activity and `createdBy` name."
    )
    organization: OrganizationRef = related(
        OrganizationRow, "organization_id", description="The organization it belongs to."
    )
    created_by: UserRef | None = related(
        UserRow, "created_by_id", description="Who created it; null when that user is gone."
    )

    @strawberry.field(description="Its role in its organization; null once it was removed from it.")
    async def role(
        self, account: strawberry.Parent[models.ServiceAccount], info: Info
    ) -> OrganizationRole | None:
        member = await info.context.loaders.service_accounts.memberships.load(account.id)
        return None if member is None else member.role

    @strawberry.field(description="What the viewer may do with it.")
    async def viewer_can(
        self, account: strawberry.Parent[models.ServiceAccount], info: Info
    ) -> ServiceAccountPermissions:
        return await viewer_permissions(
            info, Kind.SERVICE_ACCOUNT, account, ServiceAccountPermissions
        )

    @connection(
        ACCESS_TOKENS,
        description="Its tokens, newest first (OWNERs and MANAGERs of its organization).",
        nullable=True,
        extensions=[PermissionExtension(permissions=[CanManageTokens()])],
    )
    async def tokens(self, account: strawberry.Parent[models.ServiceAccount]) -> Slice:
        return ACCESS_TOKENS.under(account.user_id)


# ---- mutations --------------------------------------------------------------------------------


@strawberry.input(description="A new service account in an organization.")
class CreateServiceAccountInput:
    organization_id: relay.GlobalID = strawberry.field(
        description="The organization's global id (its OWNERs and MANAGERs)."
    )
    username: str = strawberry.field(
        description="Its username, unique among all users, e.g. `acme-ci` (a slug)."
    )
    role: OrganizationRole = strawberry.field(
        description="Its organization role: at or below the creator's own, never OWNER."
    )
    display_name: str | None = strawberry.field(default=None, description="A name to show.")
    description: str | None = strawberry.field(default=None, description="What it is for.")


@strawberry.input(description="Only the given fields change.")
class UpdateServiceAccountInput:
    id: relay.GlobalID = strawberry.field(description="The service account's global id.")
    role: OrganizationRole | None = strawberry.field(
        default=strawberry.UNSET,
        description="A new organization role (at or below the viewer's own, never OWNER).",
    )
    display_name: str | None = strawberry.field(
        default=strawberry.UNSET, description="A new display name; null clears it."
    )
    description: str | None = strawberry.field(
        default=strawberry.UNSET, description="A new description; null clears it."
    )


@strawberry.input(description="Which service account to delete.")
class DeleteServiceAccountInput:
    id: relay.GlobalID = strawberry.field(description="The service account's global id.")


@strawberry.input(
    description="A new token for a service account, optionally narrowed: it never does more "
    "than the service account may."
)
class CreateServiceAccountTokenInput(CreateAccessTokenInput):
    service_account_id: relay.GlobalID = strawberry.field(
        description="The service account's global id."
    )


@payload
class ServiceAccountPayload:
    service_account: ServiceAccountRef | None = None


@payload
class DeleteServiceAccountPayload(Deleted):
    pass


async def _create_service_account_token(
    info: Info,
    input: Annotated[CreateServiceAccountTokenInput, strawberry.argument(description=INPUT_DOC)],
) -> CreateAccessTokenPayload | None:
    account_id = decode_id(input.service_account_id, "ServiceAccount", argument="serviceAccountId")
    project_ids = (
        None
        if input.project_ids is None
        else decode_ids(input.project_ids, "Project", argument="projectIds")
    )

    async def create() -> dict[str, Any]:
        token, secret = await accounts.create_service_account_token(
            info.context,
            account_id,
            name=input.name,
            expires_at=input.expires_at,
            read_only=input.read_only,
            project_ids=project_ids if isinstance(project_ids, list) else None,
        )
        return {"access_token": token, "token": secret}

    return await mutate(info, CreateAccessTokenPayload, create)


@strawberry.type
class ServiceAccountMutation:
    create_service_account: ServiceAccountPayload | None = in_organization(
        accounts.create_service_account,
        CreateServiceAccountInput,
        description="Create a service account with a role in the organization.",
    )
    update_service_account: ServiceAccountPayload | None = mutation(
        accounts.update_service_account,
        UpdateServiceAccountInput,
        target="ServiceAccount",
        description="Change a service account's role, display name or description.",
    )
    delete_service_account: DeleteServiceAccountPayload | None = mutation(
        accounts.delete_service_account,
        DeleteServiceAccountInput,
        target="ServiceAccount",
        deletes=True,
        description="Delete a service account: its tokens stop working at once; the activity "
        "it wrote stays.",
    )
    create_service_account_token: CreateAccessTokenPayload | None = strawberry.mutation(
        resolver=_create_service_account_token,
        description="Issue a token for a service account (shown once). Revoke it with "
        "`revokeAccessToken`.",
    )
