/**
 * `alert test`: one test alert through every channel the environment configures (the services' alert
 * variables), each channel on its own so every one reports its own result. Exit 1 when any failed or none
 * is configured.
 */
import type { Command } from 'commander';
import type { Alert, AlertSeverity } from '../../activities/activity-contracts';
import { ALERT_CHANNELS_HELP, ALERT_SEVERITIES, configuredAlertChannels, createAlertPathStatus, createAlertSender, routesFor, type AlertChannel } from '../../activities/alert-channels';
import { renderTable } from '../cli-table';
import { definition, printJson } from '../cli-context';

export interface ChannelResult {
  channel: string;
  kind: AlertChannel['kind'];
  severity: AlertSeverity;
  ok: boolean;
  error: string | null;
}

/** The least urgent severity the channel takes: a test should page nobody it does not have to. */
function testSeverity(channel: AlertChannel): AlertSeverity {
  if (channel.kind !== 'slack') return 'info';
  return [...ALERT_SEVERITIES].reverse().find((s) => channel.severities.includes(s)) ?? 'info';
}

export async function testAlertChannels(channels: AlertChannel[], operator: string, print: (line: string) => void): Promise<ChannelResult[]> {
  const at = new Date().toISOString();
  return Promise.all(
    channels.map(async (channel) => {
      const severity = testSeverity(channel);
      const status = createAlertPathStatus();
      // One attempt, no retries: the operator wants this channel's answer now.
      const send = createAlertSender({ channels: [channel] }, { status, retryDelaysMs: [], print, warn: () => undefined });
      const alert: Alert = {
        severity,
        title: `Test alert from the operator CLI (${definition.pipeline})`,
        text: `${operator} sent this test alert to check the ${channel.name} channel. No action needed.`,
        dedupKey: `${definition.pipeline}:alert-test:${channel.name}:${at}`,
        timestamp: at,
      };
      try {
        await send(alert);
        return { channel: channel.name, kind: channel.kind, severity, ok: true, error: null };
      } catch (error) {
        const reason = status.channels[channel.name]?.error ?? (error instanceof Error ? error.message : String(error));
        return { channel: channel.name, kind: channel.kind, severity, ok: false, error: reason };
      }
    }),
  );
}

export function registerAlertCommand(program: Command): void {
  const alert = program.command('alert').description('alert channels');
  alert
    .command('test')
    .description('send one test alert through every configured channel and report each result')
    .option('--operator <name>', 'who is testing (named in the alert)', process.env.USER ?? 'operator')
    .option('--json', 'print the results as JSON')
    .addHelpText('after', '\nExample:\n  $ ALERT_WEBHOOK_URL=https://alerts.example/hook npm run operator -- alert test')
    .action(async (flags: { operator: string; json?: boolean }) => {
      const channels = configuredAlertChannels();
      if (channels.length === 0) {
        const message = `No alert channel is configured. ${ALERT_CHANNELS_HELP}`;
        if (flags.json) printJson({ ok: false, channels: [], error: message });
        else console.error(`operator: ${message}`);
        process.exitCode = 1;
        return;
      }
      // The console channel prints the alert: to stderr, so stdout holds only the report.
      const results = await testAlertChannels(channels, flags.operator, (line) => console.error(line));
      const noCritical = routesFor({ channels }, 'critical').length === 0 ? 'No channel receives critical alerts: the services refuse to start like this.' : null;
      const ok = results.every((r) => r.ok);
      if (flags.json) printJson({ ok, channels: results, ...(noCritical ? { warning: noCritical } : {}) });
      else {
        console.log(renderTable(['channel', 'severity sent', 'result'], results.map((r) => [r.channel, r.severity, r.ok ? 'ok' : `failed: ${r.error ?? 'unknown error'}`])));
        console.log(ok ? `${results.length} channel(s) ok.` : `${results.filter((r) => !r.ok).length} of ${results.length} channel(s) failed.`);
        if (noCritical) console.log(noCritical);
      }
      process.exitCode = ok ? 0 : 1;
    });
}
