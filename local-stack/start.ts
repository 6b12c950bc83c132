/**
 * `npm start`: the local stack in the foreground. Ctrl-C (SIGINT) or SIGTERM stops every process.
 * Processes that need the stack (worker, bridge) are added to `companions` and stopped first.
 */
import { prettyFactory } from 'pino-pretty';
import { DEFAULT_ALERT_SINK_PORT, formatAlert, startAlertSink } from './alert-sink';
import { formatEndpoints } from './endpoint-report';
import { devStackOptions, startStack, type RunningStack } from './stack';
import { endpointsToEnv, type StackEndpoints } from './stack-endpoints';
import { SERVICE_SCRIPTS, spawnService } from './service-process';

/** Something started after the stack, given its endpoints; stopped before the stack on shutdown. */
export interface Companion {
  name: string;
  start(endpoints: StackEndpoints): Promise<{ stop(): Promise<void> }>;
}

const useColour = process.stdout.isTTY && !process.env.NO_COLOR;
const COLOURS = { start: 90, alerts: 35, worker: 36, bridge: 33 } as const;

function paint(name: keyof typeof COLOURS, text: string, bold = false): string {
  if (!useColour) return text;
  return `\x1b[${bold ? '1;' : ''}${COLOURS[name]}m${text}\x1b[0m`;
}

/** The services log JSON lines (what production collects); here they are made readable. */
const prettyLogLine = prettyFactory({ colorize: useColour, ignore: 'pid,hostname,service', translateTime: 'SYS:HH:MM:ss.l', singleLine: true });

function readable(line: string): string {
  if (!line.startsWith('{')) return line;
  try {
    return prettyLogLine(line).trimEnd();
  } catch {
    return line;
  }
}

function printer(name: keyof typeof COLOURS): (line: string) => void {
  const prefix = paint(name, `${name.padEnd(6)} |`);
  return (line) => console.log(`${prefix} ${line}`);
}

const alertSinkPort = Number(process.env.ALERT_SINK_PORT || DEFAULT_ALERT_SINK_PORT);
const alertSinkUrl = `http://127.0.0.1:${alertSinkPort}/alerts`;

const workerHealthUrl = `http://127.0.0.1:${process.env.WORKER_HEALTH_PORT || 8091}/health`;
const bridgeHealthUrl = `http://127.0.0.1:${process.env.BRIDGE_HEALTH_PORT || 8092}/health`;

/** Environment of the worker and the bridge: the stack's endpoints, the local alert sink, and what the health probe checks. */
function serviceEnv(endpoints: StackEndpoints): NodeJS.ProcessEnv {
  return {
    ...process.env,
    ...endpointsToEnv(endpoints),
    ALERT_WEBHOOK_URL: process.env.ALERT_WEBHOOK_URL || alertSinkUrl,
    LOG_LEVEL: process.env.LOG_LEVEL || 'WARN',
    WATCHDOG_HEALTH_URLS: process.env.WATCHDOG_HEALTH_URLS || `bridge=${bridgeHealthUrl},worker=${workerHealthUrl}`,
  };
}

function serviceCompanion(name: 'worker' | 'bridge'): Companion {
  return {
    name,
    async start(endpoints) {
      const print = printer(name);
      const service = spawnService(name, SERVICE_SCRIPTS[name], serviceEnv(endpoints), (line) => print(readable(line)));
      await service.waitForLine(/\bready:/, 120_000);
      let stopping = false;
      void service.exited.then(({ code, signal }) => {
        if (!stopping) print(paint(name, `${name} exited unexpectedly (${code ?? signal}); messages wait in Pub/Sub or Temporal until it runs again`, true));
      });
      return {
        stop: () => {
          stopping = true;
          return service.stop();
        },
      };
    },
  };
}

const companions: Companion[] = [
  {
    name: 'alert sink',
    async start() {
      const print = printer('alerts');
      const sink = await startAlertSink({ port: alertSinkPort, print: (alert) => print(paint('alerts', formatAlert(alert), true)) });
      print(`listening on ${sink.url} (ALERT_WEBHOOK_URL of the worker and the bridge)`);
      return { stop: () => sink.close() };
    },
  },
  // The bridge first: the worker's health-probe watchdog may run at once (a schedule catching up on a run missed
  // while the stack was down), and must find the bridge up rather than alert that it is down.
  serviceCompanion('bridge'),
  serviceCompanion('worker'),
];

async function main(): Promise<void> {
  const log = printer('start');
  // Filled in once started; a signal during startup is handled by the stack's exit hook.
  const state: { stack?: RunningStack } = {};
  const running: { name: string; stop(): Promise<void> }[] = [];
  let shuttingDown = false;

  const shutdown = async (signal: string, exitCode = 0): Promise<void> => {
    if (shuttingDown) return;
    shuttingDown = true;
    log(`${signal}: stopping`);
    for (const companion of running.reverse()) await companion.stop();
    await state.stack?.stop();
    log('stopped');
    process.exit(exitCode);
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, (s) => void shutdown(s));

  const stack = await startStack({ ...devStackOptions(), log });
  state.stack = stack;
  for (const companion of companions) {
    try {
      running.push({ name: companion.name, ...(await companion.start(stack.endpoints)) });
    } catch (error) {
      log(`${companion.name} did not start: ${error instanceof Error ? error.message : String(error)}`);
      return shutdown('startup failed', 1);
    }
    log(`${companion.name} started`);
  }
  console.log(
    `\nLocal stack is up:\n${formatEndpoints(stack.endpoints)}\n  Alert sink      ${alertSinkUrl}\n` +
      `  Worker          ${workerHealthUrl}  /metrics\n` +
      `  Bridge          ${bridgeHealthUrl}  /metrics\n\n` +
      `Web UI: ${stack.endpoints.temporalUiUrl}\nTry it: run \`npm run demo\` in another terminal. Press Ctrl-C to stop.`,
  );
}

main().catch((error: unknown) => {
  console.error(`[start] ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
