"""Personal access tokens: random, shown once, stored hashed, revocable, the viewer's own."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.authn import hash_token
from app.users.models import AccessToken
from tests.helpers import Factory, GraphQLClient, error_codes, global_id

CREATE = """
mutation($name: String!, $expiresAt: DateTime) {
  createAccessToken(input: {name: $name, expiresAt: $expiresAt}) {
    token accessToken { id name prefix expiresAt } userErrors { field code message }
  }
}
"""
REVOKE = """
mutation($id: ID!) {
  revokeAccessToken(input: {id: $id}) { accessToken { revokedAt } userErrors { field code } }
}
"""


class TestCreateAccessToken:
    async def test_token_is_shown_once_and_stored_hashed(
        self, gql: GraphQLClient, factory: Factory, sessions: async_sessionmaker[AsyncSession]
    ) -> None:
        ada = await factory.user("ada")
        payload = (await gql.data(CREATE, {"name": "laptop"}, as_=ada))["createAccessToken"]
        secret = payload["token"]
        assert secret.startswith("hubql_")
        assert len(secret) >= 40
        assert secret.startswith(payload["accessToken"]["prefix"])
        async with sessions() as session:
            stored = (await session.scalars(select(AccessToken.token_hash))).all()
        assert secret not in stored
        assert hash_token(secret) in stored
        listing = await gql.data(
            "{ viewer { accessTokens { totalCount edges { node { name prefix } } } } }",
            token=secret,
        )
        tokens = listing["viewer"]["accessTokens"]
        assert tokens["totalCount"] == 2
        assert [edge["node"]["name"] for edge in tokens["edges"]] == ["laptop", "test"]
        assert secret not in str(listing)

    async def test_expiry_in_the_past_is_invalid(
        self, gql: GraphQLClient, factory: Factory
    ) -> None:
        ada = await factory.user("ada")
        before = await factory.row_counts()
        payload = (
            await gql.data(CREATE, {"name": "old", "expiresAt": "2020-01-01T00:00:00Z"}, as_=ada)
        )["createAccessToken"]
        assert payload["token"] is None
        assert payload["userErrors"] == [
            {
                "field": "expiresAt",
                "code": "INVALID",
                "message": "The expiry must be in the future.",
            }
        ]
        assert await factory.row_counts() == before

    async def test_anonymous_viewer_must_sign_in(self, gql: GraphQLClient) -> None:
        body = await gql(CREATE, {"name": "x"})
        assert error_codes(body) == ["UNAUTHENTICATED"]

    async def test_other_users_tokens_are_not_listed(
        self, gql: GraphQLClient, factory: Factory
    ) -> None:
        ada = await factory.user("ada")
        await factory.user("bob")
        body = await gql('{ user(username: "bob") { accessTokens { totalCount } } }', as_=ada)
        assert error_codes(body) == ["FORBIDDEN"]
        # The user stays: only the field more private than the user is refused.
        assert body["data"] == {"user": {"accessTokens": None}}


class TestRevokeAccessToken:
    async def test_revoked_token_stops_working_at_once(
        self, gql: GraphQLClient, factory: Factory
    ) -> None:
        ada = await factory.user("ada")
        payload = (await gql.data(CREATE, {"name": "ci"}, as_=ada))["createAccessToken"]
        data = await gql.data(REVOKE, {"id": payload["accessToken"]["id"]}, as_=ada)
        assert data["revokeAccessToken"]["accessToken"]["revokedAt"] is not None
        response = await gql.post("{ viewer { username } }", token=payload["token"])
        assert response.status_code == 401
        assert error_codes(response.json()) == ["UNAUTHENTICATED"]

    async def test_someone_elses_token_does_not_exist(
        self, gql: GraphQLClient, factory: Factory
    ) -> None:
        ada = await factory.user("ada")
        bob = await factory.user("bob")
        payload = (await gql.data(CREATE, {"name": "ci"}, as_=bob))["createAccessToken"]
        body = await gql(REVOKE, {"id": payload["accessToken"]["id"]}, as_=ada)
        assert error_codes(body) == ["NOT_FOUND"]
        assert (
            await gql.post("{ viewer { username } }", token=payload["token"])
        ).status_code == 200

    async def test_revoking_twice_is_invalid(self, gql: GraphQLClient, factory: Factory) -> None:
        ada = await factory.user("ada")
        payload = (await gql.data(CREATE, {"name": "ci"}, as_=ada))["createAccessToken"]
        await gql.data(REVOKE, {"id": payload["accessToken"]["id"]}, as_=ada)
        data = await gql.data(REVOKE, {"id": payload["accessToken"]["id"]}, as_=ada)
        assert data["revokeAccessToken"]["userErrors"] == [{"field": "id", "code": "INVALID"}]

    async def test_token_node_resolves_only_for_its_owner(
        self, gql: GraphQLClient, factory: Factory
    ) -> None:
        ada = await factory.user("ada")
        bob = await factory.user("bob")
        token_id = (await gql.data(CREATE, {"name": "ci"}, as_=ada))["createAccessToken"][
            "accessToken"
        ]["id"]
        query = "query($id: ID!) { node(id: $id) { id } }"
        assert (await gql.data(query, {"id": token_id}, as_=ada))["node"] == {"id": token_id}
        assert (await gql.data(query, {"id": token_id}, as_=bob))["node"] is None
        assert (await gql.data(query, {"id": global_id("AccessToken", 999)}, as_=ada))[
            "node"
        ] is None
