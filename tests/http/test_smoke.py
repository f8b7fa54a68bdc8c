from tests.helpers import Factory, GraphQLClient


async def test_viewer_sees_themselves(gql: GraphQLClient, factory: Factory) -> None:
    ada = await factory.user("ada")
    data = await gql.data("{ viewer { username email } }", as_=ada)
    assert data == {"viewer": {"username": "ada", "email": "ada@example.org"}}


async def test_anonymous_viewer_is_null(gql: GraphQLClient) -> None:
    assert await gql.data("{ viewer { username } }") == {"viewer": None}
