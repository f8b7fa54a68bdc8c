"""`rateLimit` on Query: the viewer's budget as the limiter left it for this operation."""

from datetime import datetime

import strawberry

from app.graphql.context import Info


@strawberry.type(
    description="The viewer's budget of estimated nodes per minute (GitHub's `rateLimit`)."
)
class RateLimit:
    limit: int = strawberry.field(description="Estimated nodes the viewer may ask for per minute.")
    cost: int = strawberry.field(description="What this operation cost (its estimated nodes).")
    remaining: int = strawberry.field(description="What is left of the budget until `resetAt`.")
    reset_at: datetime = strawberry.field(description="When the budget is full again.")


@strawberry.type
class RateLimitQuery:
    @strawberry.field(
        description="The viewer's rate limit after this operation; null when the server has none."
    )
    def rate_limit(self, info: Info) -> RateLimit | None:
        budget = info.context.rate_limit
        if budget is None:
            return None
        return RateLimit(
            limit=budget.limit,
            cost=budget.cost,
            remaining=budget.remaining,
            reset_at=budget.reset_at,
        )
