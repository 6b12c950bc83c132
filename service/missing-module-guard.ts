/**
 * Imported first by each service's entry point. A module missing from a deployable (the old system once shipped a
 * package without a shared module) would otherwise end the process with a stack trace that log collectors split
 * into many lines; this turns it into one line naming the module, and exit code 1. It watches only the
 * synchronous loading of the entry point's imports, then steps aside.
 */
import path from 'node:path';

const entryPoint = require.main?.filename ?? 'service/main.js';
const service = path.basename(path.dirname(entryPoint));
/** The deployable's root: entry points live one folder down (`worker/main.js`). */
const root = path.dirname(path.dirname(entryPoint));

function missingModule(error: Error & { code?: string; requireStack?: string[] }): void {
  if (error.code !== 'MODULE_NOT_FOUND') {
    process.stderr.write(`${error.stack ?? String(error)}\n`);
    process.exit(1);
  }
  const requiredBy = error.requireStack?.[0];
  const by = requiredBy ? ` (required by ${path.relative(root, requiredBy)})` : '';
  const line = { level: 'fatal', time: new Date().toISOString(), service, msg: `${service} cannot start: a module of the deployable is missing: ${error.message.split('\n')[0]}${by}` };
  process.stdout.write(`${JSON.stringify(line)}\n`);
  process.exit(1);
}

process.on('uncaughtException', missingModule);
setImmediate(() => process.off('uncaughtException', missingModule));
