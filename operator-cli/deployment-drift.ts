/**
 * Deployment drift: which build serves each part of the pipeline, against the commit that should be deployed.
 * Workers are found through Temporal (the pollers of the task queues, whose identities carry the build:
 * `phase-orchestrator-worker@<commit>/<pid>`), every process through its `/health` (`version`, and the hash of
 * the pipeline definition it loaded). Git says how far each build is behind and since when.
 */
import { execFileSync } from 'node:child_process';
import type { Client } from '@temporalio/client';
import { definitionSha256 } from '../contract/load-pipeline-definition';

export type DriftStatus = 'current' | 'behind' | 'stale' | 'unknown';

export interface ServingBuild {
  /** e.g. `worker (task queue phase-orchestrator)` or `bridge (http://…/health)`. */
  service: string;
  /** A commit or its prefix, as the process reported it; null when nothing could be read. */
  build: string | null;
  /** SHA-256 of the pipeline definition the process loaded, when it reports one. */
  definitionSha256?: string;
  error?: string;
}

export interface DriftRow {
  service: string;
  build: string | null;
  commitTime: string | null;
  commitsBehind: number | null;
  /** Hours since the oldest commit of the expected revision that this build lacks (0 when current). */
  hoursBehind: number | null;
  status: DriftStatus;
  /** Set when the loaded pipeline definition differs from the committed one. */
  configDrift?: string;
  note?: string;
}

export interface DriftReport {
  expected: { revision: string; commit: string; commitTime: string };
  maxAgeHours: number;
  rows: DriftRow[];
  drift: boolean;
}

/** Git, in the repository the command runs in. */
export interface Git {
  resolve(revision: string): string | null;
  commitTime(commit: string): Date;
  /** Commits in `expected` that `build` lacks, oldest first. */
  missing(build: string, expected: string): string[];
  show(revision: string, file: string): Buffer | null;
  /** The repository's top folder, which `show` paths are relative to. */
  root(): string;
}

export function localGit(cwd = process.cwd()): Git {
  const git = (...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  return {
    resolve: (revision) => {
      try {
        return git('rev-parse', '--verify', '--quiet', `${revision}^{commit}`) || null;
      } catch {
        return null;
      }
    },
    commitTime: (commit) => new Date(git('show', '-s', '--format=%cI', commit)),
    missing: (build, expected) => git('rev-list', '--reverse', `${build}..${expected}`).split('\n').filter(Boolean),
    root: () => git('rev-parse', '--show-toplevel'),
    show: (revision, file) => {
      try {
        return execFileSync('git', ['show', `${revision}:${file}`], { cwd, stdio: ['ignore', 'pipe', 'ignore'] });
      } catch {
        return null;
      }
    },
  };
}

/** The rows of a report from what was found serving; pure apart from the git calls. */
export function driftReport(options: { git: Git; expectedRevision: string; maxAgeHours: number; definitionFile: string; serving: ServingBuild[]; now?: Date }): DriftReport {
  const { git, expectedRevision, maxAgeHours } = options;
  const now = options.now ?? new Date();
  const expected = git.resolve(expectedRevision);
  if (!expected) throw new Error(`cannot resolve the expected revision ${expectedRevision} in this repository`);
  const committed = git.show(expected, options.definitionFile);
  const committedSha = committed ? definitionSha256(committed) : null;
  const rows = options.serving.map((found): DriftRow => {
    const configDrift =
      found.definitionSha256 && committedSha && found.definitionSha256 !== committedSha ? `pipeline definition differs from ${options.definitionFile} at ${expected.slice(0, 12)}` : undefined;
    const commit = found.build ? git.resolve(found.build) : null;
    if (!commit) {
      return { service: found.service, build: found.build, commitTime: null, commitsBehind: null, hoursBehind: null, status: 'unknown', configDrift, note: found.error ?? (found.build ? 'build not found in this repository' : 'no build reported') };
    }
    const missing = git.missing(commit, expected);
    const oldestMissing = missing[0];
    const hoursBehind = oldestMissing ? Math.round(((now.getTime() - git.commitTime(oldestMissing).getTime()) / 3_600_000) * 10) / 10 : 0;
    const status: DriftStatus = missing.length === 0 ? 'current' : hoursBehind > maxAgeHours ? 'stale' : 'behind';
    return { service: found.service, build: commit, commitTime: git.commitTime(commit).toISOString(), commitsBehind: missing.length, hoursBehind, status, configDrift };
  });
  return {
    expected: { revision: expectedRevision, commit: expected, commitTime: git.commitTime(expected).toISOString() },
    maxAgeHours,
    rows,
    drift: rows.some((r) => r.status !== 'current' || r.configDrift !== undefined),
  };
}

const BUILD_IN_IDENTITY = /@([0-9a-f]{7,40})\//;
/** `temporal.api.enums.v1.TaskQueueType` values (the proto package is not a production dependency). */
const TASK_QUEUE_TYPE_WORKFLOW = 1;
const TASK_QUEUE_TYPE_ACTIVITY = 2;

/** The builds polling the task queues, one row per (queue, build); a queue nobody polls is a row too. */
export async function workerBuilds(client: Client, namespace: string, taskQueues: string[]): Promise<ServingBuild[]> {
  const rows: ServingBuild[] = [];
  for (const name of taskQueues) {
    const builds = new Set<string>();
    for (const taskQueueType of [TASK_QUEUE_TYPE_WORKFLOW, TASK_QUEUE_TYPE_ACTIVITY]) {
      const response = await client.workflowService.describeTaskQueue({ namespace, taskQueue: { name }, taskQueueType });
      for (const poller of response.pollers ?? []) {
        const build = BUILD_IN_IDENTITY.exec(poller.identity ?? '')?.[1];
        if (build) builds.add(build);
      }
    }
    if (builds.size === 0) rows.push({ service: `worker (task queue ${name})`, build: null, error: 'no worker polls this task queue' });
    for (const build of builds) rows.push({ service: `worker (task queue ${name})`, build });
  }
  return rows;
}

/** What a process's /health says it runs. */
export async function healthBuild(name: string, url: string): Promise<ServingBuild> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
    const body = (await response.json()) as { version?: string; pipeline?: { definition_sha256?: string } };
    return { service: `${name} (${url})`, build: body.version ?? null, ...(body.pipeline?.definition_sha256 ? { definitionSha256: body.pipeline.definition_sha256 } : {}) };
  } catch (error) {
    return { service: `${name} (${url})`, build: null, error: `no /health answer: ${error instanceof Error ? error.message : String(error)}` };
  }
}
