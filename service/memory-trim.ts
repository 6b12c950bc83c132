/**
 * Gives freed native memory back to the system on a timer, with glibc's `malloc_trim(0)`.
 *
 * glibc returns memory on its own only from the top of a heap. Under a backfill the worker's native allocations
 * (the SDK's core, gRPC buffers, the workflow thread) leave free pages between live chunks, which stay in the
 * process's RSS; `malloc_trim(0)` walks every arena and releases those pages. Where glibc or the FFI library is
 * not there (macOS, musl), the trim is off and the start-up line says so.
 */
import { z } from 'zod';
import type { ServiceLogger } from './logger';

export const memoryTrimShape = {
  SERVICE_MEMORY_TRIM_SECONDS: z.coerce
    .number()
    .min(0)
    .max(3600)
    .default(10)
    .describe("how often the process gives freed native memory back to the system with glibc's malloc_trim (0: never)"),
};

/** What the start-up line reports of the trim. */
export type MemoryTrimState = { readonly description: string; stop(): void };

type MallocTrim = (pad: number) => number;

function loadMallocTrim(): MallocTrim | string {
  if (process.platform !== 'linux') return `off (not Linux: ${process.platform})`;
  try {
    // Loaded only here, so a platform without the native library still starts.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const koffi = require('koffi') as typeof import('koffi');
    return koffi.load('libc.so.6').func('int malloc_trim(size_t pad)') as MallocTrim;
  } catch (error) {
    return `off (glibc's malloc_trim unavailable: ${error instanceof Error ? error.message.split('\n')[0] : String(error)})`;
  }
}

export function startMemoryTrim(seconds: number, log: ServiceLogger): MemoryTrimState {
  if (seconds === 0) return { description: 'off (SERVICE_MEMORY_TRIM_SECONDS=0)', stop: () => undefined };
  const trim = loadMallocTrim();
  if (typeof trim === 'string') return { description: trim, stop: () => undefined };
  const timer = setInterval(() => {
    const before = process.memoryUsage.rss();
    const started = performance.now();
    trim(0);
    log.debug({ rss_before_mb: Math.round(before / 2 ** 20), rss_after_mb: Math.round(process.memoryUsage.rss() / 2 ** 20), ms: Math.round(performance.now() - started) }, 'malloc_trim');
  }, seconds * 1000);
  // Never what keeps a stopping process alive.
  timer.unref();
  return { description: `every ${seconds} s`, stop: () => clearInterval(timer) };
}
