/**
 * The one logger of every long-running process: pino, one JSON object per line on stdout, which is what log
 * collectors read. `npm start` pretty-prints these lines in its own process, so no service loads a formatter.
 * The Temporal SDK's runtime logger (worker, activity and workflow lines) is routed through it too.
 *
 * Lines about a message carry `game_date`, `transition` and `correlation_id` where they are known, so one
 * filter follows a date through the bridge, the workflow's activities and the writes.
 */
import type { Logger as TemporalLogger, LogLevel, LogMetadata } from '@temporalio/common';
import { pino, type DestinationStream, type Logger } from 'pino';

export type ServiceLogger = Logger;

export const LOG_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'] as const satisfies readonly LogLevel[];

/**
 * `LOG_LEVEL` (read before the configuration is validated; anything else counts as INFO) sets how much the
 * SDK, activities and workflows log. The service's own lines (ready, draining, shut down, what it had to
 * nack or dead-letter) are always logged: they are few, and a quiet LOG_LEVEL must not hide them.
 */
export function createServiceLogger(service: string, logLevel: string | undefined = process.env.LOG_LEVEL, destination?: DestinationStream): ServiceLogger {
  const options = {
    level: logLevel === 'TRACE' || logLevel === 'DEBUG' ? logLevel.toLowerCase() : 'info',
    base: { service, pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
  };
  return destination ? pino(options, destination) : pino(options);
}

/** The SDK's `Logger` interface on a child of a service logger, for `Runtime.install({ logger })`. */
export function temporalLogger(logger: ServiceLogger, level: LogLevel): TemporalLogger {
  const sdk = logger.child({ component: 'temporal' }, { level: level.toLowerCase() });
  const write = (entryLevel: LogLevel, message: string, meta?: LogMetadata): void => {
    sdk[entryLevel.toLowerCase() as Lowercase<LogLevel>](meta ?? {}, message);
  };
  return {
    log: write,
    trace: (message, meta) => write('TRACE', message, meta),
    debug: (message, meta) => write('DEBUG', message, meta),
    info: (message, meta) => write('INFO', message, meta),
    warn: (message, meta) => write('WARN', message, meta),
    error: (message, meta) => write('ERROR', message, meta),
  };
}
