"""Projects: settings, visibility, access grants and promotion sources."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import bindparam, delete, select
from sqlalchemy.exc import IntegrityError

from app.activity import service as activity
from app.authz.roles import (
    Action,
    Kind,
)
from app.context import Context
from app.db import delete_now, utcnow
from app.errors import Invalid, NotFoundInInput, Taken
from app.names import normalize_slug, validate_slug, validate_text
from app.organizations import service as organizations
from app.organizations.models import Organization
from app.projects.models import (
    Project,
    ProjectFeature,
    ProjectGrant,
    ProjectRole,
    ProjectVisibility,
    PromotionSource,
)
from app.teams.models import Team
from app.unset import UNSET
from app.users.models import User

MAX_DESCRIPTION = 2000
MAX_README = 100_000
MAX_TAGS = 20
MAX_TAG_LENGTH = 64
MAX_PROMOTION_SOURCES = 50


# ---- finding -----------------------------------------------------------------------------------


# Built once (a project page asks for it on every request); the names are bound per call.
_BY_NAME = (
    select(Project)
    .join(Organization, Organization.id == Project.organization_id)
    .where(Organization.name == bindparam("owner"), Project.name == bindparam("name"))
)


async def find_by_name(ctx: Context, owner: str, name: str) -> Project | None:
    """SQL finds `owner/name`; whether the viewer may read it is `ctx.access`'s to say."""
    names = {"owner": normalize_slug(owner), "name": normalize_slug(name)}
    return await ctx.session.scalar(_BY_NAME, names)


# ---- validation -------------------------------------------------------------------------------


def validate_tags(tags: Sequence[str], *, field: str = "tags") -> list[str]:
    cleaned = list(dict.fromkeys(tag.strip().lower() for tag in tags))
    if len(cleaned) > MAX_TAGS:
        raise Invalid(f"At most {MAX_TAGS} tags.", field=field)
    for tag in cleaned:
        if not tag or len(tag) > MAX_TAG_LENGTH or any(c in tag for c in ',|()"\\\x00 '):
            raise Invalid(
                f"{tag!r} is not a tag (1-{MAX_TAG_LENGTH} characters, no spaces, commas, pipes"
                " or parentheses).",
                field=field,
            )
    return cleaned


def _features(features: Sequence[ProjectFeature]) -> set[ProjectFeature]:
    chosen = set(features)
    if not chosen:
        raise Invalid("A project needs at least one feature.", field="features")
    return chosen


# ---- mutations --------------------------------------------------------------------------------


async def create_project(
    ctx: Context,
    organization_id: int,
    *,
    name: str,
    description: str | None,
    readme: str | None,
    tags: Sequence[str],
    visibility: ProjectVisibility,
    features: Sequence[ProjectFeature],
) -> Project:
    await ctx.access.get(Kind.ORGANIZATION, organization_id, Action.CREATE_PROJECT)
    project = Project(
        organization_id=organization_id,
        name=validate_slug(name, field="name"),
        description=validate_text(description, field="description", max_length=MAX_DESCRIPTION),
        readme=validate_text(readme, field="readme", max_length=MAX_README),
        tags=validate_tags(tags),
        visibility=visibility,
        created_by_id=ctx.viewer.user_id,
    )
    project.set_features(_features(features))
    taken = await ctx.session.scalar(
        select(Project.id).where(
            Project.organization_id == organization_id, Project.name == project.name
        )
    )
    if taken is not None:
        raise Taken(f"A project named {project.name!r} already exists.", field="name")
    ctx.session.add(project)
    try:
        await ctx.session.flush()
    except IntegrityError as error:
        raise Taken(f"A project named {project.name!r} already exists.", field="name") from error
    await _record(ctx, "project.created", project)
    return project


async def _record(
    ctx: Context, verb: str, project: Project, details: dict[str, Any] | None = None
) -> None:
    await activity.record(
        ctx,
        verb,
        ("Project", project.id),
        organization_id=project.organization_id,
        project_id=project.id,
        details={"name": project.name, **(details or {})},
    )


async def update_project(
    ctx: Context,
    project_id: int,
    *,
    description: str | None = UNSET,
    readme: str | None = UNSET,
    tags: Sequence[str] | None = UNSET,
    visibility: ProjectVisibility | None = UNSET,
    features: Sequence[ProjectFeature] | None = UNSET,
) -> Project:
    project = await ctx.access.get(Kind.PROJECT, project_id, Action.UPDATE)
    changed: list[str] = []
    if description is not UNSET:
        project.description = validate_text(
            description, field="description", max_length=MAX_DESCRIPTION
        )
        changed.append("description")
    if readme is not UNSET:
        project.readme = validate_text(readme, field="readme", max_length=MAX_README)
        changed.append("readme")
    if tags is not UNSET:
        project.tags = validate_tags(tags or [])
        changed.append("tags")
    if visibility is not UNSET and visibility is not None:
        project.visibility = visibility
        changed.append("visibility")
    if features is not UNSET and features is not None:
        project.set_features(_features(features))
        changed.append("features")
    project.updated_at = utcnow()
    await ctx.session.flush()
    await _record(ctx, "project.updated", project, {"changed": changed})
    return project


async def archive_project(ctx: Context, project_id: int, *, archived: bool) -> Project:
    project = await ctx.access.get(Kind.PROJECT, project_id, Action.ARCHIVE)
    if (project.archived_at is not None) == archived:
        state = "archived" if archived else "not archived"
        raise Invalid(f"The project is already {state}.", field="id")
    project.archived_at = utcnow() if archived else None
    project.updated_at = utcnow()
    await ctx.session.flush()
    await _record(ctx, "project.archived" if archived else "project.unarchived", project)
    return project


async def delete_project(ctx: Context, project_id: int) -> int:
    project = await ctx.access.get(Kind.PROJECT, project_id, Action.DELETE)
    await _record(ctx, "project.deleted", project)
    return await delete_now(ctx.session, project)


# ---- access -----------------------------------------------------------------------------------


async def _grantee(
    ctx: Context, project: Project, username: str | None, team: str | None
) -> tuple[int | None, int | None]:
    if (username is None) == (team is None):
        raise Invalid("Name exactly one grantee: a username or a team.", field="username")
    if username is not None:
        user = await ctx.session.scalar(
            select(User).where(User.username == normalize_slug(username))
        )
        if user is None:
            raise NotFoundInInput(f"No user named {username!r}.", field="username")
        if await organizations.membership_held(ctx, project.organization_id, user.id) is None:
            raise Invalid(
                f"{user.username!r} must be a member of the organization (OUTSIDER will do).",
                field="username",
            )
        return user.id, None
    assert team is not None
    team_id = await ctx.session.scalar(
        select(Team.id).where(
            Team.organization_id == project.organization_id, Team.name == normalize_slug(team)
        )
    )
    if team_id is None:
        raise NotFoundInInput(f"No team named {team!r} in this organization.", field="team")
    return None, team_id


async def set_access(
    ctx: Context,
    project_id: int,
    *,
    username: str | None,
    team: str | None,
    role: ProjectRole,
) -> ProjectGrant:
    project = await ctx.access.get(Kind.PROJECT, project_id, Action.MANAGE_ACCESS)
    user_id, team_id = await _grantee(ctx, project, username, team)
    grant = await _grant(ctx, project, user_id, team_id)
    if grant is None:
        grant = ProjectGrant(project_id=project.id, user_id=user_id, team_id=team_id, role=role)
        ctx.session.add(grant)
    else:
        grant.role = role
        grant.granted_at = utcnow()
    await ctx.session.flush()
    await _record(
        ctx,
        "project.access_set",
        project,
        {"username": username, "team": team, "role": role.value},
    )
    return grant


async def _grant(
    ctx: Context, project: Project, user_id: int | None, team_id: int | None
) -> ProjectGrant | None:
    grantee = (
        ProjectGrant.user_id == user_id if user_id is not None else ProjectGrant.team_id == team_id
    )
    return await ctx.session.scalar(
        select(ProjectGrant).where(ProjectGrant.project_id == project.id, grantee)
    )


async def remove_access(
    ctx: Context, project_id: int, *, username: str | None, team: str | None
) -> ProjectGrant:
    project = await ctx.access.get(Kind.PROJECT, project_id, Action.MANAGE_ACCESS)
    user_id, team_id = await _grantee(ctx, project, username, team)
    grant = await _grant(ctx, project, user_id, team_id)
    if grant is None:
        field = "username" if username is not None else "team"
        raise NotFoundInInput("That grantee has no access to remove.", field=field)
    await ctx.session.delete(grant)
    await ctx.session.flush()
    await _record(ctx, "project.access_removed", project, {"username": username, "team": team})
    return grant


# ---- promotion sources ------------------------------------------------------------------------


async def set_promotion_sources(
    ctx: Context, project_id: int, source_ids: Sequence[int]
) -> Project:
    project = await ctx.access.get(Kind.PROJECT, project_id, Action.SET_PROMOTION_SOURCES)
    unique_ids = list(dict.fromkeys(i for i in source_ids if i != project.id))
    if len(unique_ids) > MAX_PROMOTION_SOURCES:
        raise Invalid(f"At most {MAX_PROMOTION_SOURCES} sources.", field="sourceIds")
    found = await ctx.loaders.rows(Project).load_many(unique_ids)
    for source in await ctx.access.readable(Kind.PROJECT, found):
        if source is None:
            raise NotFoundInInput("A source project does not exist.", field="sourceIds")
        if source.organization_id != project.organization_id:
            raise Invalid(
                f"{source.name!r} belongs to another organization; sources must share one.",
                field="sourceIds",
            )
    await ctx.session.execute(
        delete(PromotionSource).where(PromotionSource.project_id == project.id)
    )
    ctx.session.add_all(
        PromotionSource(project_id=project.id, source_project_id=i) for i in unique_ids
    )
    project.updated_at = utcnow()
    await ctx.session.flush()
    # Ids, not names or a count: readers see the sources they may read (app/activity/details.py).
    await _record(ctx, "project.promotion_sources_set", project, {"source_ids": unique_ids})
    return project


async def accepts_runs_from(ctx: Context, project: Project, source_project_id: int) -> bool:
    if source_project_id == project.id:
        return True
    found = await ctx.session.get(PromotionSource, (project.id, source_project_id))
    return found is not None
