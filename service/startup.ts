/**
 * How a service starts and how it fails to: a configuration problem is one line naming what is wrong
 * (`worker cannot start: …`) and exit code 1; anything else is logged with its stack, also exit code 1.
 */
import type { ServiceLogger } from './logger';

/** A problem with the configuration: reported as one line, without a stack. */
export class ServiceConfigError extends Error {
  override name = 'ServiceConfigError';
}

/** Runs one configuration step; whatever it throws becomes `<service> cannot start: <its message>`. */
export function configStep<T>(service: string, step: () => T): T {
  try {
    return step();
  } catch (error) {
    if (error instanceof ServiceConfigError) throw error;
    throw new ServiceConfigError(`${service} cannot start: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Runs a service's main function; exits 0 when it returns, 1 with one logged line when it throws. */
export function runService(service: string, logger: ServiceLogger, main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      // pino writes stdout synchronously, so the line is out before the exit.
      logger.fatal(error instanceof ServiceConfigError ? error.message : `${service} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      process.exit(1);
    },
  );
}
