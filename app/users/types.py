from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry import relay
from strawberry.permission import BasePermission, PermissionExtension

from app.errors import ErrorCode
from app.graphql.context import Info
from app.graphql.core import (
    Connection,
    UserErrorType,
    build_connection,
    decode_id,
    page_args,
    run_mutation,
)
from app.users import models
from app.users import service as users

if TYPE_CHECKING:
    from app.organizations.types import OrganizationMembership


class CanReadEmail(BasePermission):
    message = "Only the user and managers of an organization you share may read this email."

    async def has_permission(self, source: "User", info: Info, **kwargs: Any) -> bool:
        shared = await info.context.loaders.users.shared_organization_roles.load(source.user_id)
        return users.may_read_email(info.context, source.user_id, shared)


class IsThemselves(BasePermission):
    message = "Only the user may list their own access tokens."
    error_extensions = {"code": ErrorCode.FORBIDDEN.value}  # noqa: RUF012  (Strawberry reads it)

    def has_permission(self, source: "User", info: Info, **kwargs: Any) -> bool:
        return users.may_read_tokens(info.context, source.user_id)


@strawberry.type(name="AccessToken")
class AccessToken(relay.Node):
    token_id: relay.NodeID[int]
    name: str
    prefix: str = strawberry.field(description="The token's first characters, to recognise it.")
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None

    @classmethod
    def from_row(cls, row: models.AccessToken) -> "AccessToken":
        return cls(
            token_id=row.id,
            name=row.name,
            prefix=row.prefix,
            created_at=row.created_at,
            expires_at=row.expires_at,
            revoked_at=row.revoked_at,
            last_used_at=row.last_used_at,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list["AccessToken | None"]:
        # Tokens are private to their owner: only the viewer's own resolve.
        ids = [int(node_id) for node_id in node_ids]
        async with info.context.reading() as session:
            rows = {row.id: row for row in await users.own_tokens(info.context, session, ids)}
        return [cls.from_row(rows[i]) if i in rows else None for i in ids]


@strawberry.type(name="User")
class User(relay.Node):
    user_id: relay.NodeID[int]
    username: str
    display_name: str | None
    created_at: datetime
    _email: strawberry.Private[str]

    @classmethod
    def from_row(cls, row: models.User) -> "User":
        return cls(
            user_id=row.id,
            username=row.username,
            display_name=row.display_name,
            created_at=row.created_at,
            _email=row.email,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list["User | None"]:
        ctx = info.context
        ids = [int(node_id) for node_id in node_ids]
        rows = await ctx.loaders.users.by_id.load_many(ids)
        return [
            cls.from_row(row) if row is not None and users.may_read_user(ctx, row.id) else None
            for row in rows
        ]

    @strawberry.field(
        description="The viewer's own email, or a member's to managers of a shared organization.",
        extensions=[PermissionExtension(permissions=[CanReadEmail()], fail_silently=True)],
    )
    def email(self) -> str | None:
        return self._email

    @strawberry.field(
        description="The organizations this user belongs to that the viewer may read.",
    )
    async def organizations(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[
        Annotated["OrganizationMembership", strawberry.lazy("app.organizations.types")]
    ]:
        from app.organizations.types import OrganizationMembership  # noqa: PLC0415

        args = page_args(info, first, after, last, before)
        loaders = info.context.loaders.organizations
        page = await loaders.memberships_of_user.load((self.user_id, args))
        return build_connection(
            page,
            OrganizationMembership.from_row,
            lambda: loaders.membership_counts_of_user.load(self.user_id),
        )

    @strawberry.field(
        description="The viewer's own personal access tokens, newest first.",
        extensions=[PermissionExtension(permissions=[IsThemselves()])],
    )
    async def access_tokens(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[AccessToken] | None:
        # Nullable: refusing a field more private than the user must not null the user.
        args = page_args(info, first, after, last, before)
        loaders = info.context.loaders.users
        page = await loaders.access_tokens.load((self.user_id, args))
        return build_connection(
            page, AccessToken.from_row, lambda: loaders.access_token_counts.load(self.user_id)
        )


@strawberry.input
class CreateAccessTokenInput:
    name: str = strawberry.field(description="What the token is for, e.g. 'ci' or 'laptop'.")
    expires_at: datetime | None = strawberry.field(
        default=None, description="When it stops working; never when omitted."
    )


@strawberry.type
class CreateAccessTokenPayload:
    access_token: AccessToken | None = None
    token: str | None = strawberry.field(
        default=None, description="The secret. Shown only in this response: store it now."
    )
    user_errors: list[UserErrorType] = strawberry.field(default_factory=list)


@strawberry.input
class RevokeAccessTokenInput:
    id: relay.GlobalID


@strawberry.type
class RevokeAccessTokenPayload:
    access_token: AccessToken | None = None
    user_errors: list[UserErrorType] = strawberry.field(default_factory=list)


@strawberry.type
class UserQuery:
    @strawberry.field(description="The signed-in user; null for the anonymous viewer.")
    async def viewer(self, info: Info) -> User | None:
        ctx = info.context
        if ctx.viewer.user_id is None:
            return None
        async with ctx.reading():
            row = await users.get_user(ctx, ctx.viewer.user_id)
        return None if row is None else User.from_row(row)

    @strawberry.field(description="A user by username; null when there is none.")
    async def user(self, info: Info, username: str) -> User | None:
        ctx = info.context
        async with ctx.reading():
            row = await users.find_user_by_username(ctx, username)
        return None if row is None else User.from_row(row)


@strawberry.type
class UserMutation:
    @strawberry.mutation(description="Create a personal access token for the viewer.")
    async def create_access_token(
        self, info: Info, input: CreateAccessTokenInput
    ) -> CreateAccessTokenPayload:
        ctx = info.context
        result, errors = await run_mutation(
            info,
            lambda: users.create_access_token(ctx, name=input.name, expires_at=input.expires_at),
        )
        if result is None:
            return CreateAccessTokenPayload(user_errors=errors)
        token, secret = result
        return CreateAccessTokenPayload(access_token=AccessToken.from_row(token), token=secret)

    @strawberry.mutation(description="Revoke one of the viewer's access tokens, at once.")
    async def revoke_access_token(
        self, info: Info, input: RevokeAccessTokenInput
    ) -> RevokeAccessTokenPayload:
        token_id = decode_id(input.id, "AccessToken")
        token, errors = await run_mutation(
            info, lambda: users.revoke_access_token(info.context, token_id)
        )
        return RevokeAccessTokenPayload(
            access_token=None if token is None else AccessToken.from_row(token), user_errors=errors
        )
