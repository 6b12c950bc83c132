/**
 * The processes' `/health` endpoints, named: from `--url name=URL` (repeatable) or, by default, from
 * `WATCHDOG_HEALTH_URLS`, the list the health-probe watchdog checks. Shared by `health` and `drift`.
 */
import { InvalidArgumentError } from 'commander';
import { parseEnvironment } from '../service/environment-schema';
import { watchdogEnvSchema } from '../watchdogs/watchdog-config';

export interface NamedUrl {
  name: string;
  url: string;
}

/** Commander's collector for a repeatable `name=http(s)://host/health`. */
export function namedUrlArgument(value: string, previous: NamedUrl[] = []): NamedUrl[] {
  const at = value.indexOf('=');
  const name = value.slice(0, at);
  const url = value.slice(at + 1);
  if (at <= 0 || !/^https?:\/\//.test(url) || !URL.canParse(url)) throw new InvalidArgumentError(`"${value}" is not name=http(s)://host/health`);
  return [...previous, { name, url }];
}

export function healthEndpoints(given: NamedUrl[] | undefined, env: NodeJS.ProcessEnv = process.env): NamedUrl[] {
  if (given?.length) return given;
  return parseEnvironment({ WATCHDOG_HEALTH_URLS: watchdogEnvSchema.shape.WATCHDOG_HEALTH_URLS }, env).WATCHDOG_HEALTH_URLS;
}
