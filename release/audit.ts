/**
 * `npm run audit:deploy [-- --dir DIR]`: checks a deployable before it ships, and fails naming the file and the
 * problem. Without --dir it packages one first (`npm run package`). What it rejects:
 * - an import that does not resolve from the deployable alone (its own files, its production dependencies,
 *   Node's built-ins): the old system lost days of logs to a deploy package that missed a shared module;
 * - a symlink inside it;
 * - an absolute path, a Google Cloud project id or a non-loopback host written into the code;
 * - a workflow that does not bundle (the build bundles them; the bundler refuses non-deterministic modules);
 * - an activity the workflows proxy that no worker registers;
 * - a service entry point without a /health server.
 */
import { lstatSync, readdirSync, readFileSync, existsSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import path from 'node:path';
import { Command } from 'commander';
import ts from 'typescript';
import { PROJECT_ROOT } from './build';
import { packageDeployable } from './package';
import { registeredActivityNames } from './registered-activities';

export interface AuditProblem {
  file: string;
  problem: string;
}

/** The services a deployable must be able to start, each with a /health server. */
const ENTRY_POINTS = ['worker/main.js', 'bridge/main.js'];

function* files(dir: string, skip = new Set(['node_modules'])): Generator<string> {
  for (const entry of readdirSync(dir)) {
    const file = path.join(dir, entry);
    const stat = lstatSync(file);
    if (stat.isSymbolicLink() || !stat.isDirectory()) yield file;
    else if (!skip.has(entry)) yield* files(file, skip);
  }
}

function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier);
}

function resolvesLocally(fromFile: string, specifier: string): boolean {
  const base = path.resolve(path.dirname(fromFile), specifier);
  return ['', '.js', '.json', '/index.js'].some((suffix) => existsSync(base + suffix) && lstatSync(base + suffix).isFile());
}

/** Loopback is where a default may point (a local stack); anything else belongs in configuration. */
const LOOPBACK_URL = /^https?:\/\/(127\.0\.0\.1|localhost|\[::1\])([:/]|$)/;
const ABSOLUTE_PATH = /^\/(home|root|work|tmp|Users|var|opt|srv|mnt|etc)\//;
const PROJECT_ID = /projects\/[a-z][-a-z0-9]{4,28}[a-z0-9]\//;

/** Problems in one compiled file: its imports and the literals written into it. */
function auditCode(dir: string, file: string): AuditProblem[] {
  const problems: AuditProblem[] = [];
  const where = path.relative(dir, file);
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true, ts.ScriptKind.JS);
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'require' && node.arguments[0] && ts.isStringLiteral(node.arguments[0])) {
      const specifier = node.arguments[0].text;
      const ok = specifier.startsWith('.') ? resolvesLocally(file, specifier) : isBuiltin(specifier) || existsSync(path.join(dir, 'node_modules', packageName(specifier), 'package.json'));
      if (!ok) problems.push({ file: where, problem: `require('${specifier}') does not resolve from the deployable` });
    } else if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) {
      const text = node.text;
      if (/^https?:\/\//.test(text) && !LOOPBACK_URL.test(text)) problems.push({ file: where, problem: `hard-coded host ${text}` });
      if (ABSOLUTE_PATH.test(text)) problems.push({ file: where, problem: `hard-coded absolute path ${text}` });
      if (PROJECT_ID.test(text)) problems.push({ file: where, problem: `hard-coded project id in ${text}` });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return problems;
}

/**
 * The activity names the workflows proxy (destructured or read off `proxyActivities<…>()`), from the source,
 * against the names a worker registers (`registeredActivityNames`).
 */
export function unregisteredActivities(registered: Set<string>): AuditProblem[] {
  const problems: AuditProblem[] = [];
  for (const file of files(path.join(PROJECT_ROOT, 'workflows'))) {
    if (!file.endsWith('.ts')) continue;
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
    const visit = (node: ts.Node): void => {
      if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && ['proxyActivities', 'proxyLocalActivities'].includes(node.expression.text)) {
        const parent = node.parent;
        const names =
          ts.isPropertyAccessExpression(parent) ? [parent.name.text]
          : ts.isVariableDeclaration(parent) && ts.isObjectBindingPattern(parent.name) ? parent.name.elements.map((e) => (e.propertyName ?? e.name).getText(source))
          : [];
        for (const name of names) if (!registered.has(name)) problems.push({ file: path.relative(PROJECT_ROOT, file), problem: `calls activity ${name}, which no worker registers` });
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return problems;
}

/** Every check on a deployable directory; `registered` are the activity names the worker registers. */
export function auditDeployable(dir: string, registered: Set<string>): AuditProblem[] {
  const problems: AuditProblem[] = [];
  for (const file of files(dir, new Set())) if (lstatSync(file).isSymbolicLink()) problems.push({ file: path.relative(dir, file), problem: 'is a symlink' });
  for (const file of files(dir)) if (file.endsWith('.js')) problems.push(...auditCode(dir, file));
  if (!existsSync(path.join(dir, 'workflows', 'workflow-bundle.js'))) problems.push({ file: 'workflows/workflow-bundle.js', problem: 'missing: the workflows were not bundled' });
  for (const entry of ENTRY_POINTS) {
    const file = path.join(dir, entry);
    if (!existsSync(file)) problems.push({ file: entry, problem: 'missing entry point' });
    else if (!/\bserveHealth\)?\(/.test(readFileSync(file, 'utf8'))) problems.push({ file: entry, problem: 'starts no /health server' });
  }
  problems.push(...unregisteredActivities(registered));
  return problems;
}

if (require.main === module) {
  const options = new Command('audit:deploy').description('check a deployable for import, symlink, path and registration problems').option('--dir <dir>', 'an existing deployable (default: package one)').parse().opts<{ dir?: string }>();
  (async () => {
    const dir = options.dir ? path.resolve(options.dir) : await packageDeployable();
    const problems = auditDeployable(dir, registeredActivityNames());
    for (const { file, problem } of problems) console.error(`${file}: ${problem}`);
    console.log(problems.length ? `audit:deploy: ${problems.length} problem(s) in ${dir}` : `audit:deploy: ${dir} is clean`);
    process.exit(problems.length ? 1 : 0);
  })().catch((error: unknown) => {
    console.error(`audit:deploy failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(2);
  });
}
