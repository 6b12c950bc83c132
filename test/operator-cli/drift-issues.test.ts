/** Drift issues against a local HTTP server that speaks the part of GitHub's REST issues API they use. */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DriftReport, DriftRow } from '../../operator-cli/deployment-drift';
import { DRIFT_LABEL, githubIssues, issueTitle, syncDriftIssues } from '../../operator-cli/drift-issues';

interface FakeIssue {
  number: number;
  title: string;
  body: string;
  state: 'open' | 'closed';
  labels: string[];
  comments: string[];
}

/** Issues kept in memory; every request is checked for the token and the repository. */
async function startFakeGitHub(): Promise<{ url: string; issues: FakeIssue[]; close(): Promise<void> }> {
  const issues: FakeIssue[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const body = chunks.length ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>) : {};
      const reply = (status: number, payload: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(payload));
      };
      if (req.headers.authorization !== 'Bearer t0ken') return reply(401, { message: 'Bad credentials' });
      const match = /^\/repos\/acme\/pipeline\/issues(?:\/(\d+)(\/comments)?)?$/.exec(url.pathname);
      if (!match) return reply(404, { message: 'Not Found' });
      const issue = match[1] ? issues.find((i) => i.number === Number(match[1])) : undefined;
      if (req.method === 'GET' && !match[1]) {
        const label = url.searchParams.get('labels');
        return reply(200, issues.filter((i) => i.state === url.searchParams.get('state') && (!label || i.labels.includes(label))));
      }
      if (req.method === 'POST' && !match[1]) {
        const created: FakeIssue = { number: issues.length + 1, title: String(body.title), body: String(body.body), state: 'open', labels: body.labels as string[], comments: [] };
        issues.push(created);
        return reply(201, created);
      }
      if (!issue) return reply(404, { message: 'Not Found' });
      if (req.method === 'POST' && match[2]) {
        issue.comments.push(String(body.body));
        return reply(201, { body: body.body });
      }
      if (req.method === 'PATCH') {
        issue.state = body.state as 'open' | 'closed';
        return reply(200, issue);
      }
      return reply(405, { message: 'Method Not Allowed' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, issues, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

function report(rows: Partial<DriftRow>[]): DriftReport {
  return {
    expected: { revision: 'origin/main', commit: 'a'.repeat(40), commitTime: '2026-12-01T10:00:00.000Z' },
    maxAgeHours: 24,
    rows: rows.map((r) => ({ service: 'worker (task queue phase-orchestrator)', build: 'b'.repeat(40), commitTime: '2026-11-27T07:02:19.000Z', commitsBehind: 92, hoursBehind: 110, status: 'stale', ...r })),
    drift: true,
  };
}

describe('deployment drift issues', () => {
  let github: Awaited<ReturnType<typeof startFakeGitHub>>;
  beforeEach(async () => {
    github = await startFakeGitHub();
  });
  afterEach(() => github.close());
  const client = () => githubIssues({ apiUrl: github.url, repo: 'acme/pipeline', token: 't0ken' });

  it('opens one issue per stale service, comments on it while it stays stale, and closes it once current', async () => {
    const bridge = { service: 'bridge (http://bridge:8092/health)' };
    assert.deepEqual(await syncDriftIssues(report([{}, { ...bridge, status: 'behind', hoursBehind: 3 }]), client()), { opened: ['worker (task queue phase-orchestrator)'], commented: [], closed: [] });
    assert.deepEqual(github.issues.map((i) => [i.title, i.state, i.labels]), [[issueTitle('worker (task queue phase-orchestrator)'), 'open', [DRIFT_LABEL]]]);
    assert.match(github.issues[0]?.body ?? '', /runs `bbbbbbbbbbbb` \(committed 2026-11-27T07:02:19.000Z\), 92 commit\(s\) and 110 h behind `origin\/main`/);

    assert.deepEqual(await syncDriftIssues(report([{}]), client()), { opened: [], commented: ['worker (task queue phase-orchestrator)'], closed: [] });
    assert.equal(github.issues.length, 1, 'found again by title and label, not filed twice');

    assert.deepEqual(await syncDriftIssues(report([{ status: 'current', build: 'a'.repeat(40), commitsBehind: 0, hoursBehind: 0 }]), client()), { opened: [], commented: [], closed: ['worker (task queue phase-orchestrator)'] });
    assert.equal(github.issues[0]?.state, 'closed');
    assert.equal(github.issues[0]?.comments.length, 2);
  });

  it('a refused call fails with the HTTP status, so the Action run fails visibly', async () => {
    await assert.rejects(syncDriftIssues(report([{}]), githubIssues({ apiUrl: github.url, repo: 'acme/pipeline', token: 'wrong' })), /GitHub GET \/issues\?state=open&labels=deployment-drift&per_page=100: HTTP 401/);
  });
});
