/** `npm install` runs this (postinstall): provisions the local stack's tools, or says what is missing. */
import { MissingPrerequisitesError, provisionTools, relativeToProject } from './provision';
import type { ToolPaths } from './tools';

const started = Date.now();
try {
  const tools = provisionTools((message) => console.log(`[provision] ${message}`));
  for (const name of Object.keys(tools) as (keyof ToolPaths)[]) console.log(`[provision] ${name.padEnd(18)} ${relativeToProject(tools[name])}`);
  console.log(`[provision] local tools ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
} catch (error) {
  if (error instanceof MissingPrerequisitesError) {
    console.error(`\n${error.message}\n`);
  } else {
    console.error(`[provision] failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  process.exit(1);
}
