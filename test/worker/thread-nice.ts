import { readFileSync } from 'node:fs';

/** A Linux thread's nice value, read from its stat file (`/proc/<pid>/task/<tid>/stat`, `/proc/thread-self/stat`). */
export function niceOfThread(statFile: string): number {
  // The 19th field; the command name (2nd, in parentheses) may hold spaces, so count from after it.
  const fields = readFileSync(statFile, 'utf8').split(') ')[1]?.split(' ') ?? [];
  const nice = Number(fields[16]);
  if (!Number.isInteger(nice)) throw new Error(`no nice value in ${statFile}`);
  return nice;
}
