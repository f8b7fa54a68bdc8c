// hubql's GraphiQL: a file rather than an inline script, so the page's Content-Security-Policy
// can allow scripts from this server only.
(function () {
  "use strict";

  var DEFAULT_QUERY = [
    "# Everything on this page comes from hubql itself.",
    "#",
    "# To query as a user, give their token under Headers:",
    '#   {"Authorization": "Bearer <token>"}',
    "# (`hubql tokens create <username>` prints one).",
    "# Headers are not saved: after a reload, give it again.",
    "#",
    "# Run: Ctrl-Enter or the ▶ button. Complete: Ctrl-Space.",
    "",
    "{",
    "  viewer {",
    "    username",
    "  }",
    "}",
    "",
  ].join("\n");

  // The endpoint is the page's own URL: POST for queries and mutations, the same path over
  // WebSocket (graphql-transport-ws) for subscriptions, which get the headers as their
  // connection_init payload.
  var url = window.location.origin + window.location.pathname;
  var fetcher = GraphiQL.createFetcher({
    url: url,
    subscriptionUrl: url.replace(/^http/, "ws"),
  });

  ReactDOM.createRoot(document.getElementById("graphiql")).render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      plugins: [GraphiQLPluginExplorer.explorerPlugin()],
      defaultQuery: DEFAULT_QUERY,
      isHeadersEditorEnabled: true,
      defaultEditorToolsVisibility: "headers",
      // A token is a password: keep it out of localStorage.
      shouldPersistHeaders: false,
      inputValueDeprecation: true,
    }),
  );
})();
