/**
 * `npm run build`: the production code compiled to JavaScript in `build/app/` (tsconfig.build.json), with the
 * pipeline definitions beside it and the workflow bundle built once, here, so a worker started from the build
 * never runs webpack and never needs tsx.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { workflowInterceptorModules } from '../worker/workflow-bundle';

export const PROJECT_ROOT = path.resolve(__dirname, '..');
export const BUILD_DIR = path.join(PROJECT_ROOT, 'build', 'app');
/** Where the worker looks for the prebuilt bundle, relative to its compiled `workflows/` folder. */
export const WORKFLOW_BUNDLE_FILE = 'workflow-bundle.js';

const quiet = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} };

export async function buildApp(): Promise<string> {
  rmSync(BUILD_DIR, { recursive: true, force: true });
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(PROJECT_ROOT, 'tsconfig.build.json')], { cwd: PROJECT_ROOT, stdio: 'inherit' });
  cpSync(path.join(PROJECT_ROOT, 'pipelines'), path.join(BUILD_DIR, 'pipelines'), { recursive: true });
  const workflows = path.join(BUILD_DIR, 'workflows');
  const workflowsPath = path.join(workflows, 'index.js');
  const { code } = await bundleWorkflowCode({ workflowsPath, workflowInterceptorModules: workflowInterceptorModules(workflowsPath), logger: quiet });
  writeFileSync(path.join(workflows, WORKFLOW_BUNDLE_FILE), code);
  return BUILD_DIR;
}

if (require.main === module) {
  buildApp().then(
    (dir) => console.log(`built ${path.relative(PROJECT_ROOT, dir)}/ (compiled code, pipelines, workflows/${WORKFLOW_BUNDLE_FILE})`),
    (error: unknown) => {
      console.error(`build failed: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  );
}
