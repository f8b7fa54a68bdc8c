"""Users and their access tokens in the graph: views over `app.users.models` rows."""

from datetime import datetime
from enum import Enum
from typing import Annotated, Any

import strawberry
from strawberry import relay
from strawberry.permission import BasePermission, PermissionExtension

from app.authz.roles import Action, Kind
from app.errors import ErrorCode
from app.graphql.context import Info
from app.graphql.kit import (
    INPUT_DOC,
    RowNode,
    Slice,
    changes,
    connection,
    decode_ids,
    described_permission,
    mutate,
    mutation,
    payload,
)
from app.graphql.refs import AccessTokenRef, ProjectRef, UserRef
from app.organizations.listing import MEMBERSHIPS
from app.projects.models import Project
from app.users import models
from app.users import service as users
from app.users.listing import ACCESS_TOKENS


@described_permission(
    "Readable by the user and by OWNERs and MANAGERs of an organization they share; null to "
    "anyone else."
)
class CanReadEmail(BasePermission):
    message = "Only the user and managers of an organization you share may read this email."

    async def has_permission(self, source: models.User, info: Info, **kwargs: Any) -> bool:
        return await info.context.access.may(Kind.USER, source, Action.READ_EMAIL)


@described_permission("Readable by the user only; anyone else gets FORBIDDEN.")
class IsThemselves(BasePermission):
    message = "Only the user may list their own access tokens."
    error_extensions = {"code": ErrorCode.FORBIDDEN.value}  # noqa: RUF012  (Strawberry reads it)

    async def has_permission(self, source: models.User, info: Info, **kwargs: Any) -> bool:
        return await info.context.access.may(Kind.USER, source, Action.READ_TOKENS)


@strawberry.type(
    name="AccessToken",
    description="A personal access token: what a client sends as `Authorization: Bearer …`. "
    "The secret itself is shown once, when it is created.",
)
class AccessToken(RowNode):
    model, kind = models.AccessToken, Kind.ACCESS_TOKEN
    name: str = strawberry.field(description="What the token is for, as its owner named it.")
    prefix: str = strawberry.field(description="The token's first characters, to recognise it.")
    created_at: datetime = strawberry.field(description="When it was created.")
    expires_at: datetime | None = strawberry.field(
        description="When it stops working; null when it never expires."
    )
    revoked_at: datetime | None = strawberry.field(
        description="When it was revoked; null while it is not."
    )
    last_used_at: datetime | None = strawberry.field(
        description="When a request last used it, to the minute; null when never."
    )
    read_only: bool = strawberry.field(
        description="Whether it may only read: every mutation through it is FORBIDDEN."
    )

    @strawberry.field(
        description="The only projects it reaches, as far as the viewer may read them; null when "
        "it reaches every project its owner may."
    )
    async def projects(
        self, token: strawberry.Parent[models.AccessToken], info: Info
    ) -> list[ProjectRef] | None:
        if not token.project_scoped:
            return None
        loaders = info.context.loaders
        links = await loaders.users.token_projects.load(token.id)
        rows = await loaders.rows(Project).load_many([link.project_id for link in links])
        readable = await info.context.access.readable(Kind.PROJECT, rows)
        return [row for row in readable if row is not None]


@strawberry.enum(description="What signs in.")
class UserKind(Enum):
    PERSON = strawberry.enum_value("PERSON", description="A person.")
    SERVICE_ACCOUNT = strawberry.enum_value(
        "SERVICE_ACCOUNT", description="An organization's service account (a robot, for CI/CD)."
    )


@strawberry.type(
    name="User",
    description="Someone who signs in. Username and display name are public; "
    "email, memberships and tokens are not.",
)
class User(RowNode):
    model, kind = models.User, Kind.USER
    username: str = strawberry.field(description="A unique slug, lowercase: how users are named.")
    display_name: str | None = strawberry.field(description="A name to show; null when unset.")
    created_at: datetime = strawberry.field(description="When the account was created.")

    # `kind` is RowNode's (what the access kernel calls users): the field is named apart.
    @strawberry.field(name="kind", description="A person, or an organization's service account.")
    def user_kind(self, user: strawberry.Parent[models.User]) -> UserKind:
        return UserKind.SERVICE_ACCOUNT if user.is_service_account else UserKind.PERSON

    @strawberry.field(
        description="The viewer's own email, or a member's to managers of a shared organization.",
        extensions=[PermissionExtension(permissions=[CanReadEmail()], fail_silently=True)],
    )
    def email(self, user: strawberry.Parent[models.User]) -> str | None:
        return user.email

    @connection(
        MEMBERSHIPS, description="The organizations this user belongs to that the viewer may read."
    )
    async def organizations(self, user: strawberry.Parent[models.User]) -> Slice:
        return MEMBERSHIPS.under(user.id)

    @connection(
        ACCESS_TOKENS,
        description="The viewer's own personal access tokens, newest first.",
        nullable=True,
        extensions=[PermissionExtension(permissions=[IsThemselves()])],
    )
    async def access_tokens(self, user: strawberry.Parent[models.User]) -> Slice:
        return ACCESS_TOKENS.under(user.id)


@strawberry.input(
    description="A new personal access token for the viewer, optionally narrowed: it never does "
    "more than the viewer may."
)
class CreateAccessTokenInput:
    name: str = strawberry.field(description="What the token is for, e.g. 'ci' or 'laptop'.")
    expires_at: datetime | None = strawberry.field(
        default=None, description="When it stops working; never when omitted."
    )
    read_only: bool = strawberry.field(
        default=False, description="Whether it may only read (every mutation is FORBIDDEN)."
    )
    project_ids: list[relay.GlobalID] | None = strawberry.field(
        default=None,
        description="The only projects it reaches (others are NOT_FOUND to it, and nothing "
        "outside projects changes through it); every project its owner may read when omitted.",
    )


@payload
class CreateAccessTokenPayload:
    access_token: AccessTokenRef | None = None
    token: str | None = strawberry.field(
        default=None, description="The secret. Shown only in this response: store it now."
    )


@strawberry.input(description="Which of the viewer's tokens to revoke.")
class RevokeAccessTokenInput:
    id: relay.GlobalID = strawberry.field(description="The token's global id.")


@payload
class RevokeAccessTokenPayload:
    access_token: AccessTokenRef | None = None


@strawberry.type
class UserQuery:
    @strawberry.field(description="The signed-in user; null for the anonymous viewer.")
    async def viewer(self, info: Info) -> UserRef | None:
        ctx = info.context
        if ctx.viewer.user_id is None:
            return None
        return await ctx.access.readable_one(
            Kind.USER, await ctx.loaders.rows(models.User).load(ctx.viewer.user_id)
        )

    @strawberry.field(description="A user by username; null when there is none.")
    async def user(
        self,
        info: Info,
        username: Annotated[str, strawberry.argument(description="Case-insensitive.")],
    ) -> UserRef | None:
        ctx = info.context
        return await ctx.access.readable_one(Kind.USER, await users.find_by_username(ctx, username))


async def _create_access_token(
    info: Info, input: Annotated[CreateAccessTokenInput, strawberry.argument(description=INPUT_DOC)]
) -> CreateAccessTokenPayload | None:
    given = changes(input)
    if input.project_ids is not None:
        given["project_ids"] = decode_ids(input.project_ids, "Project", argument="projectIds")

    async def create() -> dict[str, Any]:
        token, secret = await users.create_access_token(info.context, **given)
        return {"access_token": token, "token": secret}

    return await mutate(info, CreateAccessTokenPayload, create)


@strawberry.type
class UserMutation:
    create_access_token: CreateAccessTokenPayload | None = strawberry.mutation(
        resolver=_create_access_token,
        description="Create a personal access token for the viewer.",
    )
    revoke_access_token: RevokeAccessTokenPayload | None = mutation(
        users.revoke_access_token,
        RevokeAccessTokenInput,
        target="AccessToken",
        description="Revoke one of the viewer's access tokens, at once.",
    )
