/**
 * The Temporal Web UI tells a date's story: headless Chromium opens a date's page in the dev server's UI and
 * finds its summary, its current details (what each transition waits for, the next deadline, the last operator
 * action and alert) and its search attributes. The screenshots stay in test-artifacts/; with
 * SAVE_DOCS_SCREENSHOT=1 the details one also replaces docs/web-ui-date.png (the README shows it). The saved-view
 * queries the README documents are each run against the dev server.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { chromium, type Browser, type Page } from 'playwright-core';
import { loadToolPaths } from '../../local-stack/tools';
import { devServerEnv, testStack } from '../harness';
import { completionSignal, gameDateWorkflowId, operatorCommandUpdate } from '../../workflows/game-date/messages';
import { gameDateStartMetadata } from '../../workflows/game-date/start-metadata';
import { completion, PHASE2, PHASE3, PHASE4 } from '../workflows/completions';
import { nbaDefinition, nyDate, transition, withDateWorkflow, workflowBundle } from '../workflows/workflow-test-kit';

const ROOT = join(__dirname, '..', '..');
const ARTIFACTS = join(ROOT, 'test-artifacts');
/** The UI is a single-page app that loads its data after the page: generous, but a clear failure. */
const PAGE_WAIT_MS = 20_000;

/** The saved views of the README's "Web UI" section: each must be a query the server accepts. */
const SAVED_VIEWS = {
  overdue: "WorkflowType = 'gameDateWorkflow' AND ExecutionStatus = 'Running' AND OverdueTransitions IS NOT NULL",
  waitingForProcessors: "WorkflowType = 'gameDateWorkflow' AND ExecutionStatus = 'Running' AND MissingProcessors IS NOT NULL",
  oneProcessor: "MissingProcessors = 'phase4_to_phase5:ml_feature_store'",
  failedOrBlocked:
    "TransitionStates IN ('phase2_to_phase3:failed', 'phase3_to_phase4:failed', 'phase4_to_phase5:failed', 'phase5_to_phase6:failed', 'phase4_to_phase5:blocked')",
  workflowTaskProblems: "WorkflowType = 'gameDateWorkflow' AND ExecutionStatus = 'Running' AND TemporalReportedProblems IS NOT NULL",
  closedUnsettled: "WorkflowType = 'gameDateWorkflow' AND ExecutionStatus != 'Running' AND CurrentPhase != 'done'",
} as const;

async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: loadToolPaths().chromium,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
  });
}

/** Loopback only: the UI may not fetch anything from outside the machine. */
async function loopbackPage(browser: Browser): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  await context.route(/^(?!https?:\/\/127\.0\.0\.1[:/])/, (route) => route.abort());
  return context.newPage();
}

/** The UI renders markdown in frames of its own; the text of the first frame that holds every wanted piece. */
async function frameTextWith(page: Page, wanted: string[], what: string): Promise<string> {
  const deadline = Date.now() + PAGE_WAIT_MS;
  let seen: string[] = [];
  while (Date.now() < deadline) {
    seen = [];
    for (const frame of page.frames()) {
      const text = await frame.locator('body').innerText({ timeout: 1_000 }).catch(() => '');
      if (wanted.every((w) => text.includes(w))) return text;
      seen.push(text.slice(0, 200));
    }
    await page.waitForTimeout(250);
  }
  throw new Error(`The Web UI page ${page.url()} showed no ${what} containing ${JSON.stringify(wanted)} within ${PAGE_WAIT_MS / 1000} s. Frames seen: ${JSON.stringify(seen)}`);
}

async function idsMatching(env: TestWorkflowEnvironment, workflowId: string, query: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const execution of env.client.workflow.list({ query: `WorkflowId = '${workflowId}' AND (${query})` })) ids.push(execution.workflowId);
  return ids;
}

/** Visibility is eventually consistent: poll until the scoped query finds the date (or stops finding it). */
async function eventuallyMatches(env: TestWorkflowEnvironment, workflowId: string, query: string, expected: boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const found = (await idsMatching(env, workflowId, query)).includes(workflowId);
    if (found === expected) return;
    if (Date.now() > deadline) assert.fail(`saved view ${query} ${expected ? 'does not find' : 'still finds'} ${workflowId}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('the Web UI tells a date\'s story', function () {
  this.timeout(60_000);
  let env: TestWorkflowEnvironment;
  let browser: Browser;

  before(async function () {
    // Bundling the workflow code (once per run) is not the page's time.
    this.timeout(120_000);
    await workflowBundle();
    env = await devServerEnv();
    browser = await launchBrowser();
    mkdirSync(ARTIFACTS, { recursive: true });
  });

  after(async () => {
    await browser?.close();
  });

  it('a date\'s page shows its summary, its current details and its search attributes; every saved view is a valid query', async () => {
    const gameDate = nyDate(-1);
    // Phase 4 goes overdue within seconds, so the page shows an overdue transition and its alert.
    const definition = nbaDefinition((d) => {
      const phase4 = d.transitions.find((t) => t.name === 'phase4_to_phase5');
      if (phase4) phase4.overdueAfterMinutes = 0.02;
    });
    const workflowId = `${gameDateWorkflowId(definition.pipeline, gameDate)}-${randomUUID().slice(0, 8)}`;
    const metadata = gameDateStartMetadata(definition, gameDate, { kind: 'bridge' });
    await withDateWorkflow(env, { gameDate, definition, input: { searchAttributes: true }, start: { workflowId, ...metadata } }, async ({ handle, until }) => {
      for (const name of PHASE2) await handle.signal(completionSignal, completion('phase_2_raw', name, gameDate));
      for (const name of PHASE3) await handle.signal(completionSignal, completion('phase_3_analytics', name, gameDate));
      for (const name of PHASE4.slice(0, 4)) await handle.signal(completionSignal, completion('phase_4_precompute', name, gameDate));
      await handle.signal(completionSignal, completion('phase_4_precompute', 'MLFeatureStoreProcessor', gameDate, { status: 'failed', error_message: 'feature store timeout' }));
      await handle.executeUpdate(operatorCommandUpdate, { args: [{ action: 'skip', transition: 'phase5_to_phase6', reason: 'exports paused during the model rollout', operator: 'oncall-alice' }] });
      await until((s) => transition(s, 'phase4_to_phase5').state === 'overdue' && s.lastAlert?.severity === 'critical', 'phase 4 overdue, critical alert sent');

      for (const [name, query] of Object.entries(SAVED_VIEWS)) {
        // Every documented view is accepted as it is, unscoped.
        await env.client.workflow.count(query).catch((error: unknown) => assert.fail(`saved view ${name} (${query}) is refused: ${String(error)}`));
      }
      await eventuallyMatches(env, workflowId, SAVED_VIEWS.overdue, true);
      await eventuallyMatches(env, workflowId, SAVED_VIEWS.waitingForProcessors, true);
      await eventuallyMatches(env, workflowId, SAVED_VIEWS.oneProcessor, true);
      await eventuallyMatches(env, workflowId, SAVED_VIEWS.failedOrBlocked, false);
      await eventuallyMatches(env, workflowId, SAVED_VIEWS.workflowTaskProblems, false);

      const page = await loopbackPage(browser);
      const base = `${testStack().temporalUiUrl}/namespaces/${testStack().temporalNamespace}/workflows/${encodeURIComponent(workflowId)}/${handle.firstExecutionRunId}`;
      await page.goto(`${base}/user-metadata`, { timeout: PAGE_WAIT_MS });
      await frameTextWith(page, [metadata.staticSummary], 'static summary');
      const details = await frameTextWith(page, ['Next deadline:'], 'current details');
      await page.screenshot({ path: join(ARTIFACTS, 'web-ui-date-details.png') });
      if (process.env.SAVE_DOCS_SCREENSHOT === '1') copyFileSync(join(ARTIFACTS, 'web-ui-date-details.png'), join(ROOT, 'docs', 'web-ui-date.png'));
      assert.match(details, /phase2_to_phase3\s*: triggered, 5 of 5 processors/);
      assert.match(details, /phase4_to_phase5\s*: overdue, 4 of 5 processors; waits for ml_feature_store; 1 failed run reported/);
      assert.match(details, /phase5_to_phase6\s*: skipped by oncall-alice: exports paused during the model rollout/);
      assert.match(details, /Next deadline: phase4_to_phase5 tier-1 timeout, \d{4}-\d\d-\d\d \d\d:\d\d/);
      assert.match(details, /Last operator action: skip phase5_to_phase6\s* by oncall-alice/);
      assert.match(details, /Last alert: critical, .*phase4_to_phase5 overdue for \d{4}-\d\d-\d\d \(still\)/);

      await page.goto(`${base}/search-attributes`, { timeout: PAGE_WAIT_MS });
      const attributes = page.locator('.cm-content[aria-label="Search Attributes"]');
      await attributes.getByText('MissingProcessors').waitFor({ timeout: PAGE_WAIT_MS }).catch(() => assert.fail(`The Web UI page ${page.url()} showed no search attributes within ${PAGE_WAIT_MS / 1000} s`));
      await page.screenshot({ path: join(ARTIFACTS, 'web-ui-date-search-attributes.png') });
      // The editor renders only the lines in view, so the JSON may be cut off: compare attribute by attribute.
      const shown = (await attributes.locator('.cm-line').allTextContents()).join(' ').replace(/\s+/g, ' ');
      for (const pair of [
        `"GameDate": "${gameDate}"`,
        '"CurrentPhase": "phase4_to_phase5"',
        '"MissingProcessors": [ "phase4_to_phase5:ml_feature_store" ]',
        '"OverdueTransitions": [ "phase4_to_phase5" ]',
      ]) {
        assert.ok(shown.includes(pair), `the Web UI's search attributes lack ${pair}: ${shown}`);
      }
      await page.context().close();
    });
    // withDateWorkflow terminated the date: now it is a closed date whose transitions never all settled.
    await eventuallyMatches(env, workflowId, SAVED_VIEWS.closedUnsettled, true);
  });

  it('the README documents every saved view exactly as tested', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    for (const query of Object.values(SAVED_VIEWS)) assert.ok(readme.includes(`\`${query}\``), `README lacks the saved view \`${query}\``);
  });
});
