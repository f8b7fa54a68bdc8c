// Drives Debian's Chromium (through playwright-core) against a live hubql, as a person would, and
// prints what it saw as JSON for tests/browser/test_graphiql.py to judge.
//
// usage: node drive.cjs NODE_PREFIX CONFIG_JSON
// CONFIG_JSON: {chromium, api, token, organizationId, allowedOrigin, refusedOrigin, canary}
//
// The browser reaches nothing but this machine's loopback: every request to another host is
// refused and recorded (`offsite`), and the host resolver knows no other name. A step that fails
// records its error and the run goes on, so one report says everything that went wrong.
"use strict";

const path = require("node:path");

const { chromium } = require(path.join(process.argv[2], "node_modules", "playwright-core"));
const config = JSON.parse(process.argv[3]);

const LOOPBACK = new Set(["127.0.0.1", "localhost"]);
const QUERY = "{ viewer { username } }";
const SUBSCRIPTION = 'subscription { activity(organization: "acme") { verb } }';
const STEP_TIMEOUT = 20_000;

// What a page did besides what the step asked of it.
function watch(page) {
  const seen = { consoleErrors: [], pageErrors: [], failedRequests: [] };
  page.on("console", (message) => {
    if (message.type() === "error") seen.consoleErrors.push(message.text());
  });
  page.on("pageerror", (error) => seen.pageErrors.push(String(error)));
  page.on("requestfailed", (request) =>
    seen.failedRequests.push(`${request.url()}: ${request.failure()?.errorText}`),
  );
  return seen;
}

async function step(report, name, run) {
  try {
    report[name] = await run();
  } catch (error) {
    report[name] = { error: String(error && error.stack ? error.stack : error) };
  }
}

// GraphiQL's editors are CodeMirror 5 instances; the response pane is read from its own editor.
async function response(page) {
  return page.evaluate(
    () => document.querySelector(".graphiql-response .CodeMirror").CodeMirror.getValue(),
  );
}

async function nextResponse(page, previous, timeout = STEP_TIMEOUT) {
  await page.waitForFunction(
    (before) => {
      const editor = document.querySelector(".graphiql-response .CodeMirror");
      const value = editor ? editor.CodeMirror.getValue() : "";
      return value.trim() !== "" && value !== before;
    },
    previous,
    { timeout },
  );
  return response(page);
}

// Replaces an editor's text the way pasting does: focus it, select all, insert.
async function replaceText(page, editor, text) {
  await editor.click();
  await page.keyboard.press("Control+A");
  await page.keyboard.insertText(text);
}

// GraphiQL parses the query editor's text 100 ms after the last keystroke, and decides from that
// parse whether to send an operation over HTTP or the WebSocket: run only once it has caught up,
// as anyone slower than a script does.
async function typeQuery(page, editor, query) {
  await replaceText(page, editor, query);
  await page.waitForFunction(() => {
    const editor = document.querySelector(".graphiql-query-editor .CodeMirror").CodeMirror;
    const parsed = editor.documentAST;
    return Boolean(parsed && parsed.loc && parsed.loc.source.body === editor.getValue());
  });
}

async function graphiql(context) {
  const page = await context.newPage();
  page.setDefaultTimeout(STEP_TIMEOUT);
  const seen = watch(page);
  // A navigation asks for text/html, as any browser's does.
  const answer = await page.goto(config.api);
  const queryEditor = page.locator(".graphiql-query-editor .CodeMirror");
  await queryEditor.waitFor();
  await typeQuery(page, queryEditor, QUERY);

  // Without a token: the anonymous viewer.
  await page.getByRole("button", { name: /Execute query/ }).click();
  const anonymous = await nextResponse(page, "");

  // The token in the headers editor, then Ctrl-Enter from the query editor.
  await page.getByRole("button", { name: "Headers", exact: true }).click();
  const headersEditor = page.locator(".graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror");
  await replaceText(page, headersEditor, JSON.stringify({ Authorization: `Bearer ${config.token}` }));
  await queryEditor.click();
  await page.keyboard.press("Control+Enter");
  const withToken = await nextResponse(page, anonymous);

  // A subscription, over a WebSocket to the same path, with the same headers.
  await typeQuery(page, queryEditor, SUBSCRIPTION);
  await page.keyboard.press("Control+Enter");
  const event = await firstEvent(page, withToken);

  return {
    status: answer.status(),
    contentSecurityPolicy: answer.headers()["content-security-policy"] ?? null,
    anonymous: JSON.parse(anonymous),
    withToken: JSON.parse(withToken),
    event: JSON.parse(event),
    ...seen,
  };
}

// Creates teams in the organization (from the page, with the token) until the subscription's
// first event shows: the subscription may start after the first team, which it would not see.
async function firstEvent(page, previous) {
  for (let attempt = 1; attempt <= 20; attempt += 1) {
    const created = await page.evaluate(
      async ({ api, token, organizationId, name }) => {
        const answer = await fetch(api, {
          method: "POST",
          headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
          body: JSON.stringify({
            query: "mutation($input: CreateTeamInput!) { createTeam(input: $input) { userErrors { code } } }",
            variables: { input: { organizationId, name } },
          }),
        });
        return answer.json();
      },
      { api: config.api, token: config.token, organizationId: config.organizationId, name: `team-${attempt}` },
    );
    if (created.errors || created.data.createTeam.userErrors.length > 0) {
      throw new Error(`createTeam failed: ${JSON.stringify(created)}`);
    }
    try {
      return await nextResponse(page, previous, 500);
    } catch (error) {
      if (error.name !== "TimeoutError") throw error;
    }
  }
  throw new Error(`no event in the response pane: ${await response(page)}`);
}

// A page of another origin calls the API with fetch and a bearer token, as a web app would.
async function crossOrigin(context, origin) {
  const page = await context.newPage();
  page.setDefaultTimeout(STEP_TIMEOUT);
  const seen = watch(page);
  await page.goto(`${origin}/`);
  const outcome = await page.evaluate(
    async ({ api, token, query }) => {
      try {
        const answer = await fetch(api, {
          method: "POST",
          headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
          body: JSON.stringify({ query }),
        });
        return { status: answer.status, body: await answer.json() };
      } catch (error) {
        return { fetchError: String(error) };
      }
    },
    { api: config.api, token: config.token, query: QUERY },
  );
  return { ...outcome, ...seen };
}

// Proof that the fence holds: a request to the internet is refused and shows up in `offsite`.
async function canary(context) {
  const page = await context.newPage();
  await page.goto(`${config.refusedOrigin}/`);
  return page.evaluate(async (url) => {
    try {
      await fetch(url, { mode: "no-cors" });
      return { reached: true };
    } catch (error) {
      return { reached: false, error: String(error) };
    }
  }, config.canary);
}

async function main() {
  const report = { offsite: [] };
  const browser = await chromium.launch({
    executablePath: config.chromium,
    // No name but loopback's resolves, whatever the page asks for.
    args: ["--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost"],
  });
  try {
    report.browser = browser.version();
    const context = await browser.newContext();
    await context.route("**/*", (route) => {
      const url = new URL(route.request().url());
      if (LOOPBACK.has(url.hostname)) return route.continue();
      report.offsite.push(url.href);
      return route.abort("blockedbyclient");
    });
    await step(report, "graphiql", () => graphiql(context));
    await step(report, "allowed", () => crossOrigin(context, config.allowedOrigin));
    await step(report, "refused", () => crossOrigin(context, config.refusedOrigin));
    await step(report, "canary", () => canary(context));
  } finally {
    await browser.close();
  }
  process.stdout.write(JSON.stringify(report));
}

main().catch((error) => {
  process.stderr.write(`${error && error.stack ? error.stack : error}\n`);
  process.exit(1);
});
