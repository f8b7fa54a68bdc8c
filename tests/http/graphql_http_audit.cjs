// Runs graphql-http's server audit against a URL and prints the results as JSON on stdout.
// Usage: node graphql_http_audit.cjs <graphql-http install prefix> <url>
"use strict";
const path = require("node:path");

const [prefix, url] = process.argv.slice(2);
const { auditServer } = require(path.join(prefix, "node_modules", "graphql-http"));

auditServer({ url }).then(
  (results) => {
    const rows = results.map(({ id, name, status, reason }) => ({ id, name, status, reason }));
    process.stdout.write(JSON.stringify(rows));
  },
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
