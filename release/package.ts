/**
 * `npm run package [-- --out DIR]`: a deployable directory that runs on its own: the build (compiled code,
 * pipelines, workflow bundle), a package.json with the production dependencies only, and those dependencies
 * installed from the lockfile without install scripts. `node worker/main.js` and `node bridge/main.js` start
 * the services from it; the image copies exactly this directory.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { buildApp, PROJECT_ROOT } from './build';

export const DEFAULT_DEPLOYABLE_DIR = path.join(PROJECT_ROOT, 'build', 'deployable');

interface ProjectPackage {
  name: string;
  version: string;
  description?: string;
  engines?: Record<string, string>;
  dependencies: Record<string, string>;
}

export async function packageDeployable(out = DEFAULT_DEPLOYABLE_DIR): Promise<string> {
  const app = await buildApp();
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  cpSync(app, out, { recursive: true, filter: (source) => !source.endsWith('.map') });
  const project = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as ProjectPackage;
  const { name, version, description, engines, dependencies } = project;
  writeFileSync(path.join(out, 'package.json'), `${JSON.stringify({ name, version, description, private: true, engines, dependencies }, null, 2)}\n`);
  cpSync(path.join(PROJECT_ROOT, 'package-lock.json'), path.join(out, 'package-lock.json'));
  // --omit=dev prunes what the lockfile holds for development; no install script runs (none is needed), and no
  // symlink is made (a deployable is copied into images and archives, where links break).
  execFileSync('npm', ['install', '--omit=dev', '--ignore-scripts', '--no-bin-links', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: out, stdio: 'inherit' });
  return out;
}

if (require.main === module) {
  const options = new Command('package').description('build a self-contained deployable directory').option('--out <dir>', 'where to put it', DEFAULT_DEPLOYABLE_DIR).parse().opts<{ out: string }>();
  packageDeployable(path.resolve(options.out)).then(
    (dir) => console.log(`deployable in ${dir}: node worker/main.js | node bridge/main.js`),
    (error: unknown) => {
      console.error(`package failed: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  );
}
