/**
 * Calls an optional HTTP trigger endpoint (the prediction coordinator's `/start`). The base URL is a secret
 * read from the environment variable the workflow names; it never appears in logs, errors or history.
 *
 * 2xx (200, 202) is accepted and 409 means "already running", also accepted. 429, 5xx, timeouts and network
 * errors are retried. Any other answer is a loud non-retryable failure: the endpoint refused this trigger,
 * and counting that as a success is how the old system lost days (docs/contract.md §8 failures 9 and 10).
 */
import { ApplicationFailure } from '@temporalio/common';
import { log } from '@temporalio/activity';
import type { HttpTriggerInput, HttpTriggerResult } from './activity-contracts';
import { NonRetryableActivityErrors, RetryableActivityErrors } from './activity-error-types';

export interface HttpTriggerDeps {
  fetch?: typeof globalThis.fetch;
  env?: NodeJS.ProcessEnv;
  /** Per-request timeout; below httpTriggerOptions' 45 s start-to-close. */
  timeoutMs?: number;
}

const BODY_EXCERPT_CHARS = 300;

export function createHttpTrigger(deps: HttpTriggerDeps = {}): (input: HttpTriggerInput) => Promise<HttpTriggerResult> {
  const fetchFn = deps.fetch ?? globalThis.fetch;
  const env = deps.env ?? process.env;
  const timeoutMs = deps.timeoutMs ?? 30_000;

  return async function callHttpTrigger(input: HttpTriggerInput): Promise<HttpTriggerResult> {
    const where = `HTTP trigger ${input.triggerId} for ${input.gameDate} (${input.transition}) to $${input.urlEnvVar}${input.path}`;
    const base = env[input.urlEnvVar]?.trim();
    if (!base) {
      log.info('HTTP trigger not configured; nothing to call', { game_date: input.gameDate, transition: input.transition, url_env_var: input.urlEnvVar });
      return { called: false };
    }
    const url = joinUrl(base, input.path, where);

    let response: Response;
    try {
      response = await fetchFn(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-trigger-id': input.triggerId },
        body: JSON.stringify(input.body),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      // Network errors carry the address in their message and cause: report only the error code.
      throw ApplicationFailure.retryable(
        `${where} could not be delivered (${networkErrorCode(err)}). Will retry.`,
        RetryableActivityErrors.httpTriggerUnavailable,
      );
    }

    const status = response.status;
    if ((status >= 200 && status < 300) || status === 409) {
      await response.body?.cancel();
      const outcome = status === 409 ? 'already_running' : 'accepted';
      log.info('HTTP trigger accepted', { game_date: input.gameDate, transition: input.transition, status, outcome });
      return { called: true, status, outcome };
    }
    const excerpt = redact(await bodyExcerpt(response), base);
    if (status === 429 || status >= 500) {
      throw ApplicationFailure.retryable(
        `${where} answered HTTP ${status}: ${excerpt}. Will retry.`,
        RetryableActivityErrors.httpTriggerUnavailable,
      );
    }
    throw ApplicationFailure.nonRetryable(
      `${where} was rejected with HTTP ${status}: ${excerpt}. The endpoint refused this trigger; fix the payload or the endpoint, then re-run the transition.`,
      NonRetryableActivityErrors.httpTriggerRejected,
      { status, body: excerpt },
    );
  };
}

function joinUrl(base: string, path: string, where: string): string {
  let parsed: URL;
  try {
    parsed = new URL(base);
  } catch {
    throw misconfigured(where);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw misconfigured(where);
  return `${base.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}

function misconfigured(where: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(
    `${where}: the variable does not hold an http(s) URL. Fix the worker's configuration.`,
    NonRetryableActivityErrors.httpTriggerMisconfigured,
  );
}

function networkErrorCode(err: unknown): string {
  if (err instanceof DOMException && (err.name === 'TimeoutError' || err.name === 'AbortError')) return 'timed out';
  const cause = err instanceof Error ? (err.cause as { code?: unknown } | undefined) : undefined;
  if (cause && typeof cause.code === 'string') return cause.code;
  return err instanceof Error ? err.name : 'unknown error';
}

async function bodyExcerpt(response: Response): Promise<string> {
  try {
    const text = (await response.text()).replace(/\s+/g, ' ').trim();
    if (text.length === 0) return '(empty body)';
    return text.length > BODY_EXCERPT_CHARS ? `${text.slice(0, BODY_EXCERPT_CHARS)}…` : text;
  } catch {
    return '(body unreadable)';
  }
}

/** A server may echo the request URL back; the URL is a secret, so cut it (and its host) out. */
function redact(text: string, base: string): string {
  let out = text.split(base).join('[url]');
  try {
    const host = new URL(base).host;
    if (host) out = out.split(host).join('[host]');
  } catch {
    // base was validated before the request; nothing more to cut
  }
  return out;
}
