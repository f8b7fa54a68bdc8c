"""The lists of user-owned rows the graph pages."""

from app.graphql.kit import Listing
from app.graphql.refs import AccessTokenRef
from app.pagination import SortKey
from app.users.models import AccessToken

# The viewer's own tokens (the field's permission says whose), newest first.
ACCESS_TOKENS = Listing(
    model=AccessToken,
    node=AccessTokenRef,
    parent=AccessToken.user_id,
    order=SortKey("-created_at", ((AccessToken.created_at, True), (AccessToken.id, True))),
)
