/**
 * Files deployment drift as GitHub issues, one per stale service: found again by its label and title, so a
 * service that stays stale gets a comment on its issue, not a second issue; closed with a comment once the
 * service is current. GitHub's REST API through fetch, at `GITHUB_API_URL` (which GitHub Actions sets).
 *   tsx operator-cli/drift-issues.ts --report drift.json --repo owner/name   (token in GITHUB_TOKEN)
 */
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { z } from 'zod';
import { parseEnvironment } from '../service/environment-schema';
import type { DriftReport, DriftRow } from './deployment-drift';

export const DRIFT_LABEL = 'deployment-drift';

interface Issue {
  number: number;
  title: string;
  state: string;
}

export interface IssueActions {
  opened: string[];
  commented: string[];
  closed: string[];
}

/** The GitHub calls this needs, nothing more. */
export function githubIssues(options: { apiUrl: string; repo: string; token: string }) {
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${options.apiUrl}/repos/${options.repo}${path}`, {
      method,
      headers: { authorization: `Bearer ${options.token}`, accept: 'application/vnd.github+json', 'x-github-api-version': '2022-11-28', 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(15_000),
    });
    if (!response.ok) throw new Error(`GitHub ${method} ${path}: HTTP ${response.status} ${(await response.text()).slice(0, 200)}`);
    return (await response.json()) as T;
  };
  return {
    openDriftIssues: () => call<Issue[]>('GET', `/issues?state=open&labels=${DRIFT_LABEL}&per_page=100`),
    create: (title: string, body: string) => call<Issue>('POST', '/issues', { title, body, labels: [DRIFT_LABEL] }),
    comment: (issue: number, body: string) => call<unknown>('POST', `/issues/${issue}/comments`, { body }),
    close: (issue: number) => call<Issue>('PATCH', `/issues/${issue}`, { state: 'closed', state_reason: 'completed' }),
  };
}

/** One issue per service: its title is how a later run finds it again. */
export function issueTitle(service: string): string {
  return `Deployment drift: ${service} is stale`;
}

function issueBody(row: DriftRow, report: DriftReport): string {
  return [
    `\`${row.service}\` runs \`${row.build?.slice(0, 12) ?? 'unknown'}\` (committed ${row.commitTime ?? '?'}), ` +
      `${row.commitsBehind ?? '?'} commit(s) and ${row.hoursBehind ?? '?'} h behind \`${report.expected.revision}\` (\`${report.expected.commit.slice(0, 12)}\`), more than the ${report.maxAgeHours} h allowed.`,
    row.configDrift ? `Also: ${row.configDrift}.` : '',
    'Deploy the expected commit (docs/deploying.md, "Rollout and rollback"); this issue closes itself once the service is current.',
  ].filter(Boolean).join('\n\n');
}

/** Opens, updates and closes drift issues so that exactly the stale services have an open one. */
export async function syncDriftIssues(report: DriftReport, github: ReturnType<typeof githubIssues>): Promise<IssueActions> {
  const actions: IssueActions = { opened: [], commented: [], closed: [] };
  const open = await github.openDriftIssues();
  const byTitle = new Map(open.map((issue) => [issue.title, issue]));
  const stale = report.rows.filter((row) => row.status === 'stale');
  for (const row of stale) {
    const existing = byTitle.get(issueTitle(row.service));
    if (existing) {
      await github.comment(existing.number, `Still stale: ${issueBody(row, report)}`);
      actions.commented.push(row.service);
    } else {
      await github.create(issueTitle(row.service), issueBody(row, report));
      actions.opened.push(row.service);
    }
  }
  for (const row of report.rows.filter((r) => r.status === 'current')) {
    const existing = byTitle.get(issueTitle(row.service));
    if (!existing) continue;
    await github.comment(existing.number, `\`${row.service}\` now runs \`${row.build?.slice(0, 12)}\`, the expected commit: closing.`);
    await github.close(existing.number);
    actions.closed.push(row.service);
  }
  return actions;
}

if (require.main === module) {
  const flags = new Command('drift-issues').requiredOption('--report <file>', 'the JSON of `npm run drift -- --json`').requiredOption('--repo <owner/name>', 'the repository to file issues in').parse().opts<{ report: string; repo: string }>();
  const env = parseEnvironment({
    GITHUB_TOKEN: z.string().min(1).describe('token allowed to write issues'),
    GITHUB_API_URL: z.url().describe("GitHub's REST API (set by GitHub Actions)"),
  });
  const report = JSON.parse(readFileSync(flags.report, 'utf8')) as DriftReport;
  syncDriftIssues(report, githubIssues({ apiUrl: env.GITHUB_API_URL, repo: flags.repo, token: env.GITHUB_TOKEN })).then(
    (actions) => console.log(`drift issues: opened [${actions.opened.join(', ')}] commented [${actions.commented.join(', ')}] closed [${actions.closed.join(', ')}]`),
    (error: unknown) => {
      console.error(`drift-issues: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  );
}
