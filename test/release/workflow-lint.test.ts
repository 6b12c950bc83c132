/** `npm run lint:workflows` really lints: the drift workflow passes, a broken one is refused with its line. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadToolPaths, PROJECT_ROOT } from '../../local-stack/tools';

const workflow = path.join(PROJECT_ROOT, '.github', 'workflows', 'check-deployment-drift.yml');

function actionlint(file: string): { status: number | null; output: string } {
  const result = spawnSync(loadToolPaths().actionlint, ['-no-color', file], { cwd: PROJECT_ROOT, encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('GitHub Actions workflows', () => {
  it('the drift workflow runs daily at 12:00 UTC and on demand, and passes actionlint', () => {
    const text = readFileSync(workflow, 'utf8');
    assert.match(text, /cron: "0 12 \* \* \*"/);
    assert.match(text, /workflow_dispatch:/);
    assert.deepEqual(actionlint(workflow), { status: 0, output: '' });
  });

  it('a workflow with a mistake is refused, naming the line', () => {
    const broken = path.join(mkdtempSync(path.join(tmpdir(), 'actionlint-')), 'broken.yml');
    writeFileSync(broken, readFileSync(workflow, 'utf8').replace('runs-on: ubuntu-latest', 'runs-on: ubuntu-latest\n    timeout-minutes: soon'));
    const result = actionlint(broken);
    assert.equal(result.status, 1);
    assert.match(result.output, /broken\.yml:\d+:\d+: .*timeout-minutes/);
  });
});
