"""A user never sees an organization they do not belong to: not in lists, not by id, not by name."""

from app.organizations.models import OrganizationRole
from tests.helpers import Factory, GraphQLClient, global_id

ORGANIZATIONS = "{ organizations { totalCount edges { node { name } } } }"


class TestOrganizationsList:
    async def test_lists_exactly_the_viewers_organizations(
        self, gql: GraphQLClient, factory: Factory
    ) -> None:
        ada = await factory.user("ada")
        bob = await factory.user("bob")
        for name in ("alpha", "beta", "gamma"):
            await factory.organization(name, owner=ada)
        delta = await factory.organization("delta", owner=bob)
        await factory.member(delta, ada, OrganizationRole.OUTSIDER)

        data = await gql.data(ORGANIZATIONS, as_=bob)
        assert data["organizations"]["totalCount"] == 1
        assert [e["node"]["name"] for e in data["organizations"]["edges"]] == ["delta"]

        data = await gql.data(ORGANIZATIONS, as_=ada)
        assert data["organizations"]["totalCount"] == 4
        assert [e["node"]["name"] for e in data["organizations"]["edges"]] == [
            "alpha",
            "beta",
            "delta",
            "gamma",
        ]

    async def test_pages_are_full_and_total_count_is_honest(
        self, gql: GraphQLClient, factory: Factory
    ) -> None:
        ada = await factory.user("ada")
        bob = await factory.user("bob")
        for index in range(7):
            owner = ada if index % 2 == 0 else bob
            await factory.organization(f"org{index}", owner=owner)
        seen: list[str] = []
        after = None
        while True:
            data = await gql.data(
                "query($after: String) { organizations(first: 2, after: $after) {"
                " totalCount pageInfo { hasNextPage endCursor } edges { node { name } } } }",
                {"after": after},
                as_=ada,
            )
            connection = data["organizations"]
            assert connection["totalCount"] == 4
            names = [edge["node"]["name"] for edge in connection["edges"]]
            assert len(names) == 2 or not connection["pageInfo"]["hasNextPage"]
            seen.extend(names)
            if not connection["pageInfo"]["hasNextPage"]:
                break
            after = connection["pageInfo"]["endCursor"]
        assert seen == ["org0", "org2", "org4", "org6"]

    async def test_walks_backwards_with_last_and_before(
        self, gql: GraphQLClient, factory: Factory
    ) -> None:
        ada = await factory.user("ada")
        for name in ("a1", "a2", "a3", "a4", "a5"):
            await factory.organization(name, owner=ada)
        data = await gql.data(
            "{ organizations(last: 2) { pageInfo { hasPreviousPage startCursor }"
            " edges { node { name } } } }",
            as_=ada,
        )
        page = data["organizations"]
        assert [e["node"]["name"] for e in page["edges"]] == ["a4", "a5"]
        assert page["pageInfo"]["hasPreviousPage"] is True
        data = await gql.data(
            "query($b: String) { organizations(last: 2, before: $b) { edges { node { name } } } }",
            {"b": page["pageInfo"]["startCursor"]},
            as_=ada,
        )
        assert [e["node"]["name"] for e in data["organizations"]["edges"]] == ["a2", "a3"]

    async def test_anonymous_viewer_has_no_organizations(
        self, gql: GraphQLClient, factory: Factory
    ) -> None:
        ada = await factory.user("ada")
        await factory.organization("alpha", owner=ada)
        data = await gql.data(ORGANIZATIONS)
        assert data["organizations"] == {"totalCount": 0, "edges": []}


class TestOrganizationLookups:
    async def test_non_member_gets_null_by_name_node_and_nodes(
        self, gql: GraphQLClient, factory: Factory
    ) -> None:
        ada = await factory.user("ada")
        eve = await factory.user("eve")
        secret = await factory.organization("secret", owner=ada)
        gid = global_id("Organization", secret)
        query = (
            'query($id: ID!) { organization(name: "secret") { name } node(id: $id) { id }'
            " nodes(ids: [$id]) { id } }"
        )
        for viewer in (eve, None):
            body = await gql(query, {"id": gid}, as_=viewer)
            assert body == {"data": {"organization": None, "node": None, "nodes": [None]}}
        data = await gql.data(query, {"id": gid}, as_=ada)
        assert data["organization"] == {"name": "secret"}
        assert data["node"] == {"id": gid}

    async def test_names_are_case_insensitive(self, gql: GraphQLClient, factory: Factory) -> None:
        ada = await factory.user("ada")
        await factory.organization("acme", owner=ada)
        data = await gql.data('{ organization(name: "ACME") { name } }', as_=ada)
        assert data["organization"] == {"name": "acme"}

    async def test_teams_of_an_unreadable_organization_do_not_resolve(
        self, gql: GraphQLClient, factory: Factory
    ) -> None:
        ada = await factory.user("ada")
        eve = await factory.user("eve")
        organization = await factory.organization("secret", owner=ada)
        team = await factory.team(organization, "ml")
        body = await gql(
            "query($id: ID!) { node(id: $id) { id } }", {"id": global_id("Team", team)}, as_=eve
        )
        assert body == {"data": {"node": None}}

    async def test_user_organizations_show_only_shared_ones(
        self, gql: GraphQLClient, factory: Factory
    ) -> None:
        ada = await factory.user("ada")
        bob = await factory.user("bob")
        shared = await factory.organization("shared", owner=ada)
        await factory.member(shared, bob, OrganizationRole.MEMBER)
        await factory.organization("private-to-bob", owner=bob)
        data = await gql.data(
            '{ user(username: "bob") { email organizations { totalCount'
            " edges { node { role organization { name } } } } } }",
            as_=ada,
        )
        assert data["user"]["organizations"]["totalCount"] == 1
        assert data["user"]["organizations"]["edges"] == [
            {"node": {"role": "MEMBER", "organization": {"name": "shared"}}}
        ]
        # ada owns the shared organization, so she may see bob's email
        assert data["user"]["email"] == "bob@example.org"
        data = await gql.data('{ user(username: "ada") { email } }', as_=bob)
        assert data["user"]["email"] is None


class TestQueries:
    async def test_organizations_members_and_teams_take_a_query(
        self, gql: GraphQLClient, factory: Factory
    ) -> None:
        ada = await factory.user("ada")
        bob = await factory.user("bob")
        lab = await factory.organization("lab", owner=ada)
        await factory.organization("factory", owner=ada)
        await factory.member(lab, bob, OrganizationRole.VIEWER)
        await factory.team(lab, "vision")
        await factory.team(lab, "speech")
        data = await gql.data(
            '{ organizations(query: "name:%LA%") { totalCount edges { node { name'
            ' members(query: "role:owner|manager") { totalCount'
            " edges { node { user { username } } } }"
            ' viewers: members(query: "username:BOB") { totalCount }'
            ' teams(query: "name:%sion%") { totalCount edges { node { name } } } } } } }',
            as_=ada,
        )
        organizations = data["organizations"]
        assert organizations["totalCount"] == 1
        [lab_node] = [edge["node"] for edge in organizations["edges"]]
        assert lab_node["name"] == "lab"
        assert lab_node["members"]["totalCount"] == 1
        assert lab_node["members"]["edges"][0]["node"]["user"]["username"] == "ada"
        assert lab_node["viewers"]["totalCount"] == 1
        assert lab_node["teams"] == {"totalCount": 1, "edges": [{"node": {"name": "vision"}}]}

    async def test_a_bad_query_names_the_token(self, gql: GraphQLClient, factory: Factory) -> None:
        ada = await factory.user("ada")
        await factory.organization("lab", owner=ada)
        body = await gql('{ organizations(query: "colour:red") { totalCount } }', as_=ada)
        assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"]
        assert "colour" in body["errors"][0]["message"]
        body = await gql(
            '{ organization(name: "lab") { members(query: "role:king") { totalCount } } }', as_=ada
        )
        assert "king" in body["errors"][0]["message"]
