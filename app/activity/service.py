"""The activity log: one row per successful mutation, written in that mutation's transaction."""

from typing import Any

from sqlalchemy import ColumnElement, Select, or_, select

from app.activity.models import Activity
from app.authz import filters
from app.authz.roles import Action, Kind, org_roles_allowing
from app.context import Context
from app.events import outbox
from app.organizations.models import OrganizationMember
from app.projects.models import Project
from app.webhooks import delivery as webhooks


async def record(
    ctx: Context,
    verb: str,
    subject: tuple[str, int],
    *,
    organization_id: int | None,
    project_id: int | None = None,
    details: dict[str, Any] | None = None,
) -> Activity:
    """`subject` is (GraphQL type name, row id), so `Activity.subject` resolves like `node`."""
    activity = Activity(
        organization_id=organization_id,
        project_id=project_id,
        actor_id=ctx.viewer.user_id,
        verb=verb,
        subject_type=subject[0],
        subject_id=subject[1],
        details=details,
    )
    await outbox.append(ctx.session, activity)
    await webhooks.enqueue(ctx.session, activity)
    ctx.announced = True
    return activity


def readable_activity(ctx: Context) -> ColumnElement[bool]:
    """Organization-wide readers (OWNER, MANAGER, ADMIN) see everything of theirs; other members
    see organization-level events and those of projects they may read."""
    if ctx.viewer.user_id is None:
        return Activity.project_id.in_(select(Project.id).where(filters.readable_projects(ctx)))
    see_all = org_roles_allowing(ctx.authz, Kind.ORGANIZATION, Action.READ_ACTIVITY)
    see_org = org_roles_allowing(ctx.authz, Kind.ORGANIZATION, Action.READ)
    mine = select(OrganizationMember.organization_id).where(
        OrganizationMember.user_id == ctx.viewer.user_id
    )
    readable = [
        Activity.project_id.in_(select(Project.id).where(filters.readable_projects(ctx))),
        (Activity.project_id.is_(None))
        & Activity.organization_id.in_(mine.where(OrganizationMember.role.in_(see_org))),
    ]
    if ctx.viewer.project_ids is None:
        # Organization-wide readers see every project's events, but not through a token limited
        # to some projects: there the projects' own filter above decides.
        readable.append(
            Activity.organization_id.in_(mine.where(OrganizationMember.role.in_(see_all)))
        )
    return or_(*readable)


def readable_activity_rows(ctx: Context) -> Select[Activity]:
    return select(Activity).where(readable_activity(ctx))
