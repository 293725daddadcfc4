// The console in a real browser (Playwright driving Debian's chromium) against a real
// `ferry serve` with auth on. Run by crates/server/tests/console.rs, which starts the server,
// mints the credentials and passes them in the environment:
//
//   FERRY_URL, ADMIN_CLIENT_ID, ADMIN_CLIENT_SECRET, READER_USER_ID, READER_CLIENT_ID,
//   READER_CLIENT_SECRET, SCREENSHOTS (a directory), CHROMIUM (the browser binary).
//
// Scenario: sign in; a validation error beside its field; create a source from its spec form
// (the built-in ferry/source-sample) and a destination (ferry/destination-local-json); create a
// connection; sync; see the job succeed with its records counted; a reader who sees no create
// button. A screenshot of each page goes to SCREENSHOTS. Every request the page makes must go to
// Ferry itself, and no page error or Content-Security-Policy violation may happen.

import { chromium } from "playwright-core";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`console.spec.mjs: ${name} is not set`);
  return value;
};
const base = env("FERRY_URL");
const shots = env("SCREENSHOTS");
mkdirSync(shots, { recursive: true });
const DEFAULT_WORKSPACE = "5ae6b09b-fdec-41af-aaf7-7d94cfc33ef6";
// Every wait is for an event (an answer from Ferry, an element, a text), bounded generously:
// on a loaded 2-core machine a connector process can take many seconds to start. A wait that
// runs out says what it waited for and what it saw.
const TIMEOUT = Number(process.env.CONSOLE_TIMEOUT_MS || 120_000);

function step(text) {
  console.log(`console: ${text}`);
}

/// Waits until `locator`'s text matches `pattern` (the page updates as answers arrive).
async function waitForText(locator, pattern, timeout = TIMEOUT) {
  const deadline = Date.now() + timeout;
  let last = "";
  while (Date.now() < deadline) {
    last = (await locator.count()) > 0 ? await locator.first().innerText() : "(absent)";
    if (pattern.test(last)) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`waited ${timeout} ms for ${locator} to match ${pattern}; last saw: ${last}`);
}

/// Does `action` (a click, a key press) and waits for Ferry's answer to `operation`, the
/// request the action makes and the next step depends on (a discover, a create, a sync): the
/// step then waits for the page to show that answer, not for a clock. Fails naming the
/// operation and what it answered when the status is not what `expected` says (2xx by default).
async function answerTo(page, operation, action, expected = (status) => status < 300) {
  const path = `/api/v1/${operation}`;
  const answered = page.waitForResponse((response) => new URL(response.url()).pathname === path, { timeout: TIMEOUT });
  await action();
  let response;
  try {
    response = await answered;
  } catch (error) {
    throw new Error(`waited ${TIMEOUT} ms for Ferry's answer to ${operation}: ${error.message}`);
  }
  if (!expected(response.status())) {
    throw new Error(`${operation} answered ${response.status()}: ${await response.text()}`);
  }
  return response;
}

/// A fresh browser page that records what it asks for and every error it meets.
async function openPage(browser, viewport = { width: 1280, height: 860 }) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT);
  const problems = [];
  const operations = new Set();
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error" && !/status of 4\d\d/.test(message.text())) problems.push(`console error: ${message.text()}`);
  });
  page.on("request", (request) => {
    const url = request.url();
    if (!url.startsWith(base + "/")) problems.push(`request outside Ferry: ${url}`);
    const path = new URL(url).pathname;
    if (path.startsWith("/api/v1/")) operations.add(path.slice("/api/v1/".length));
  });
  return { context, page, problems, operations };
}

async function shot(page, name) {
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
}

async function signIn(page, clientId, clientSecret) {
  await page.goto(`${base}/console/`);
  await page.getByRole("heading", { name: "Sign in to Ferry" }).waitFor();
  // By keyboard only: the heading has the focus, the fields follow it.
  await page.keyboard.press("Tab");
  await page.keyboard.type(clientId);
  await page.keyboard.press("Tab");
  await page.keyboard.type(clientSecret);
  await answerTo(page, "applications/token", () => page.keyboard.press("Enter"));
  await page.getByTestId("signed-in-user").waitFor();
}

async function tokenFor(clientId, clientSecret) {
  const response = await fetch(`${base}/api/v1/applications/token`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ client_id: clientId, client_secret: clientSecret }),
  });
  assert.equal(response.status, 200);
  return (await response.json()).access_token;
}

async function api(token, operation, body) {
  const response = await fetch(`${base}/api/v1/${operation}`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  const answer = await response.json();
  assert.equal(response.status, 200, `${operation}: ${JSON.stringify(answer)}`);
  return answer;
}

const browser = await chromium.launch({
  executablePath: env("CHROMIUM"),
  args: ["--no-sandbox", "--disable-dev-shm-usage"],
});
const used = new Set();
try {
  // ------------------------------------------------------------------ the administrator
  const admin = await openPage(browser);
  const page = admin.page;
  step("sign in page");
  await page.goto(`${base}/console/`);
  await page.getByRole("heading", { name: "Sign in to Ferry" }).waitFor();
  await shot(page, "01-sign-in");

  step("a wrong secret shows the envelope's message");
  await page.getByLabel("Client id").fill(env("ADMIN_CLIENT_ID"));
  await page.getByLabel("Client secret").fill("not-the-secret");
  await answerTo(page, "applications/token", () => page.getByRole("button", { name: "Sign in" }).click(), (s) => s === 401);
  await waitForText(page.getByTestId("error"), /AUTHENTICATION_FAILED/);

  step("sign in as the administrator, by keyboard");
  await signIn(page, env("ADMIN_CLIENT_ID"), env("ADMIN_CLIENT_SECRET"));
  await waitForText(page.getByTestId("signed-in-user"), /Ada Admin \(admin@example\.com\)/);
  await waitForText(page.getByTestId("role"), /instance admin in Default/i);
  await page.getByRole("heading", { name: "Connections" }).waitFor();
  await waitForText(page.locator("main"), /No connections yet/);
  assert.equal(await page.getByRole("link", { name: "New connection" }).count(), 1);

  step("a new source from its spec form, first with a value the spec refuses");
  await page.getByRole("link", { name: "New source" }).click();
  await page.getByRole("heading", { name: "New source" }).waitFor();
  const connector = page.getByLabel("Connector");
  const sample = await connector.locator("option", { hasText: "ferry/source-sample" }).getAttribute("value");
  await connector.selectOption(sample);
  const count = page.getByLabel("Records per stream");
  await count.waitFor();
  assert.equal(await count.inputValue(), "1000", "the spec's default fills the field");
  await page.getByLabel("Name").fill("sample");
  await count.fill("-1");
  await answerTo(page, "web_backend/sources/create", () => page.getByRole("button", { name: "Test and save" }).click(), (s) => s === 422);
  const fieldError = page.locator('[data-property-path="connectionConfiguration.count"]');
  await waitForText(fieldError, /must be at least 0/);
  await waitForText(page.getByTestId("error"), /connectionConfiguration does not match.*VALIDATION_ERROR/s);
  // Beside its field: the input names the message as its description, and is marked invalid.
  assert.equal(await count.getAttribute("aria-invalid"), "true");
  const describedBy = (await count.getAttribute("aria-describedby")).split(" ");
  assert.ok(describedBy.includes(await fieldError.getAttribute("id")), "the error describes the field");
  await shot(page, "02-validation-error");

  step("then a valid one: checked and saved");
  await count.fill("500");
  await answerTo(page, "web_backend/sources/create", () => page.getByRole("button", { name: "Test and save" }).click());
  await waitForText(page.getByRole("status").first(), /Created sample: its connection check succeeded/);
  await page.getByRole("heading", { name: "sample", exact: true }).waitFor();
  await shot(page, "03-source");
  await answerTo(page, "sources/check_connection", () => page.getByRole("button", { name: "Check connection" }).click());
  await waitForText(page.getByTestId("check-result"), /succeeded/);

  step("a new destination");
  await page.goto(`${base}/console/#/destinations/new`);
  await page.getByRole("heading", { name: "New destination" }).waitFor();
  const destinationConnector = page.getByLabel("Connector");
  await destinationConnector.selectOption(
    await destinationConnector.locator("option", { hasText: "ferry/destination-local-json" }).getAttribute("value"),
  );
  await page.getByLabel("Destination path").fill("console-test");
  await page.getByLabel("Name").fill("files");
  await answerTo(page, "web_backend/destinations/create", () => page.getByRole("button", { name: "Test and save" }).click());
  await waitForText(page.getByRole("status").first(), /Created files: its connection check succeeded/);
  await shot(page, "04-destination");

  step("secrets and oneOf choices: password fields, read back masked, kept when sent back");
  {
    const admin = await tokenFor(env("ADMIN_CLIENT_ID"), env("ADMIN_CLIENT_SECRET"));
    await api(admin, "source_definitions/create", {
      name: "Fixture",
      dockerRepository: "ferry-test/source-fixture",
      dockerImageTag: "1",
      documentationUrl: "https://docs.ferry.invalid/fixture",
    });
  }
  await page.goto(`${base}/console/#/sources/new`);
  await page.getByRole("heading", { name: "New source" }).waitFor();
  const fixtureConnector = page.getByLabel("Connector");
  await fixtureConnector.selectOption(
    await fixtureConnector.locator("option", { hasText: "ferry-test/source-fixture" }).getAttribute("value"),
  );
  const password = page.getByLabel("password", { exact: true });
  await password.waitFor();
  assert.equal(await password.getAttribute("type"), "password");
  await page.getByLabel("Name").fill("fixture");
  await page.getByLabel("host", { exact: true }).fill("db.example.com");
  await password.fill("hunter2");
  const method = page.getByLabel("tunnel: method");
  assert.deepEqual(await method.locator("option").allInnerTexts(), ["none", "key"]);
  assert.equal(await page.getByLabel("ssh_key").count(), 0, "the none option has no key");
  await method.selectOption({ label: "key" });
  await page.getByLabel("ssh_key").fill("-----BEGIN KEY-----");
  assert.equal(await page.getByLabel("ssh_key").getAttribute("type"), "password");
  await answerTo(page, "web_backend/sources/create", () => page.getByRole("button", { name: "Test and save" }).click());
  await waitForText(page.getByRole("status").first(), /Created fixture: its connection check succeeded/);
  await page.getByRole("heading", { name: "fixture", exact: true }).waitFor();
  assert.equal(await page.getByLabel("password", { exact: true }).inputValue(), "**********");
  assert.equal(await page.getByLabel("ssh_key").inputValue(), "**********");
  assert.equal(await page.getByLabel("tunnel: method").inputValue(), "1", "the key option is chosen");
  await shot(page, "05-secrets");
  // Saved with the masks: Ferry keeps the stored secrets, which the check proves.
  await page.getByLabel("host", { exact: true }).fill("db2.example.com");
  await answerTo(page, "sources/update", () => page.getByRole("button", { name: "Save" }).click());
  await waitForText(page.getByRole("status").first(), /Saved fixture/);
  await answerTo(page, "sources/check_connection", () => page.getByRole("button", { name: "Check connection" }).click());
  await waitForText(page.getByTestId("check-result"), /succeeded.*the stored password is hunter2/);

  step("the sources list");
  await page.getByRole("link", { name: "Sources", exact: true }).click();
  await page.getByRole("heading", { name: "Sources" }).waitFor();
  await page.getByRole("link", { name: "sample", exact: true }).waitFor();
  await shot(page, "05-sources-list");

  step("a new connection: discover, choose streams and modes, set a schedule");
  await page.getByRole("link", { name: "Connections", exact: true }).click();
  await page.getByRole("link", { name: "New connection" }).click();
  await page.getByRole("heading", { name: "New connection" }).waitFor();
  await page.getByLabel("Source", { exact: true }).selectOption({ label: "sample (Sample)" });
  await page.getByLabel("Destination", { exact: true }).selectOption({ label: "files (Local JSON)" });
  await page.getByLabel("Name").fill("sample to files");
  await answerTo(page, "sources/discover_schema", () => page.getByRole("button", { name: "Discover streams" }).click());
  await page.getByLabel("Sync stream events").uncheck();
  await page.getByLabel("Sync mode of users").selectOption("incremental");
  await page.getByLabel("Runs").selectOption("basic");
  await page.getByLabel("Every", { exact: true }).fill("0");
  await shot(page, "06-new-connection");
  await answerTo(page, "connections/create", () => page.getByRole("button", { name: "Create connection" }).click(), (s) => s === 422);
  // A schedule of 0 units is refused beside its field.
  await waitForText(page.locator('[data-property-path="scheduleData.basicSchedule.units"]'), /.+/);
  // A schedule that is not due during the test (a basic one would sync at once): a cron
  // expression that fires in 2099.
  await page.getByLabel("Runs").selectOption("cron");
  await page.getByLabel("Cron expression (Quartz)").fill("0 0 0 1 1 ? 2099");
  await page.getByLabel("Time zone").fill("Europe/Berlin");
  await answerTo(page, "connections/create", () => page.getByRole("button", { name: "Create connection" }).click());
  await page.getByRole("heading", { name: "sample to files" }).waitFor();
  await waitForText(page.locator("main"), /Cron 0 0 0 1 1 \? 2099 \(Europe\/Berlin\)/);
  await waitForText(page.getByRole("region", { name: "Jobs table" }), /No syncs yet/);
  await waitForText(page.getByRole("region", { name: "Streams table" }), /users\s+yes\s+incremental/);
  await shot(page, "07-connection");

  step("sync now, and watch the job");
  await answerTo(page, "connections/sync", () => page.getByRole("button", { name: "Sync now" }).click());
  await page.getByRole("heading", { name: /^Job \d+$/ }).waitFor();
  await waitForText(page.getByTestId("job-status"), /succeeded/);
  await waitForText(page.getByTestId("job-records"), /^1000$/);
  await waitForText(page.getByTestId("job-log"), /\[attempt 1\]/);
  await shot(page, "08-job");

  step("the connections page shows the last sync");
  await page.getByRole("link", { name: "← Connection", exact: true }).click();
  await page.getByRole("heading", { name: "sample to files" }).waitFor();
  await waitForText(page.getByRole("region", { name: "Jobs table" }), /succeeded/);
  await page.getByRole("link", { name: "Connections", exact: true }).click();
  const table = page.getByRole("region", { name: "Connections table" });
  await waitForText(table, /sample to files[\s\S]*sample[\s\S]*files[\s\S]*active[\s\S]*Cron 0 0 0 1 1 \? 2099[\s\S]*succeeded/);
  await shot(page, "09-connections");

  step("workspaces: search, summary");
  await page.getByRole("link", { name: "Workspaces", exact: true }).click();
  await page.getByRole("heading", { name: "Workspaces" }).waitFor();
  await page.getByLabel("Name contains").fill("Def");
  await answerTo(page, "workspaces/list", () => page.getByRole("button", { name: "Search" }).click());
  await waitForText(page.locator(".workspace-list"), /default/i);
  await waitForText(page.locator("dl.summary"), /Connections\s*1/);
  await shot(page, "10-workspaces");
  await answerTo(page, "workspaces/update", () => page.getByRole("button", { name: "Deactivate workspace" }).click());
  await waitForText(page.getByTestId("workspace-status"), /inactive/);
  await answerTo(page, "workspaces/update", () => page.getByRole("button", { name: "Reactivate workspace" }).click());
  await waitForText(page.getByTestId("workspace-status"), /^active$/);

  step("cancel a sync of a billion records per stream");
  await page.getByRole("link", { name: "Sources", exact: true }).click();
  await page.getByRole("link", { name: "sample", exact: true }).click();
  await page.getByLabel("Records per stream").fill("1000000000");
  await answerTo(page, "sources/update", () => page.getByRole("button", { name: "Save" }).click());
  await waitForText(page.getByRole("status").first(), /Saved sample/);
  await page.getByRole("link", { name: "Connections", exact: true }).click();
  await page.getByRole("link", { name: "sample to files" }).click();
  await answerTo(page, "connections/sync", () => page.getByRole("button", { name: "Sync now" }).click());
  await page.getByRole("heading", { name: /^Job \d+$/ }).waitFor();
  await answerTo(page, "jobs/cancel", () => page.getByRole("button", { name: "Cancel" }).click());
  await waitForText(page.getByTestId("job-status"), /cancelled/);
  await waitForText(page.locator("dl.summary"), /cancelled through jobs\/cancel/);
  await shot(page, "10-job-cancelled");
  await page.getByRole("link", { name: "← Connection", exact: true }).click();
  await waitForText(page.getByRole("region", { name: "Jobs table" }), /cancelled[\s\S]*succeeded/);

  step("narrow screen");
  await page.setViewportSize({ width: 375, height: 800 });
  await page.getByRole("link", { name: "Connections", exact: true }).click();
  await waitForText(table, /sample to files/);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow}px on a narrow screen`);
  await shot(page, "11-connections-narrow");
  assert.deepEqual(admin.problems, []);
  admin.operations.forEach((o) => used.add(o));
  const token = await page.evaluate(() => sessionStorage.getItem("ferry.console.token"));
  await admin.context.close();

  // ------------------------------------------------------------------ a reader
  step("a reader sees the connection and no create button");
  await api(token, "permissions/create", {
    userId: env("READER_USER_ID"),
    permissionType: "workspace_reader",
    workspaceId: DEFAULT_WORKSPACE,
  });
  const reader = await openPage(browser);
  const readerPage = reader.page;
  await signIn(readerPage, env("READER_CLIENT_ID"), env("READER_CLIENT_SECRET"));
  await waitForText(readerPage.getByTestId("signed-in-user"), /Rita Reader/);
  await waitForText(readerPage.getByTestId("role"), /workspace reader in Default/i);
  await waitForText(readerPage.getByRole("region", { name: "Connections table" }), /sample to files/);
  for (const name of ["New connection", "New source", "New destination"]) {
    assert.equal(await readerPage.getByRole("link", { name }).count(), 0, `a reader sees no ${name}`);
  }
  await shot(readerPage, "12-reader-connections");
  await readerPage.getByRole("link", { name: "sample to files" }).click();
  await readerPage.getByRole("heading", { name: "sample to files" }).waitFor();
  await waitForText(readerPage.getByRole("region", { name: "Jobs table" }), /succeeded/);
  assert.equal(await readerPage.getByRole("button", { name: "Sync now" }).count(), 0, "a reader may not sync");
  await readerPage.getByRole("link", { name: "Sources", exact: true }).click();
  await readerPage.getByRole("link", { name: "sample", exact: true }).waitFor();
  assert.equal(await readerPage.getByRole("link", { name: "New source" }).count(), 0);
  assert.equal(await readerPage.getByRole("button", { name: /^Check / }).count(), 0, "a reader may not run checks");
  await readerPage.getByRole("link", { name: "sample", exact: true }).click();
  await readerPage.getByText("Your role may read this source but not change it.").waitFor();
  assert.equal(await readerPage.getByRole("button", { name: /Save/ }).count(), 0);
  await shot(readerPage, "13-reader-source");
  await readerPage.getByRole("link", { name: "Workspaces", exact: true }).click();
  await waitForText(readerPage.locator("dl.summary"), /Connections\s*1/);
  assert.equal(await readerPage.getByRole("button", { name: /activate workspace/ }).count(), 0);
  assert.deepEqual(reader.problems, []);
  reader.operations.forEach((o) => used.add(o));
  await reader.context.close();
} finally {
  await browser.close();
}
console.log(`console: operations called: ${[...used].sort().join(" ")}`);
console.log("console: passed");
