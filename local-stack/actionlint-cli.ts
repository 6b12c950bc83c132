/** `npm run lint:workflows`: actionlint (provisioned by `npm install`) on every GitHub Actions workflow. */
import { spawnSync } from 'node:child_process';
import { loadToolPaths, PROJECT_ROOT } from './tools';

const result = spawnSync(loadToolPaths().actionlint, process.argv.slice(2), { cwd: PROJECT_ROOT, stdio: 'inherit' });
if (result.error) console.error(`lint:workflows: ${result.error.message}`);
process.exit(result.status ?? 1);
