/**
 * Probes the bridge's `/health` (and any other configured endpoint) from outside the bridge, alerts when one
 * turns unhealthy and again when it recovers, then pings the optional external heartbeat URL so a
 * cron-monitoring service notices when the whole system (Temporal, worker, schedules) is down.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { HealthProbeResult, HeartbeatResult, WatchdogActivities } from './watchdog-contracts';
import { probeOptions } from './watchdog-retry-policies';
import { describeFailure } from '../activity-failure-text';
import { raiseWatchdogAlert, runWatchdog, type WatchdogInput } from './watchdog-run';

const { probeHealthEndpoints, pingHeartbeat } = proxyActivities<WatchdogActivities>(probeOptions);

export const HEALTH_PROBE_WORKFLOW_TYPE = 'healthProbeWorkflow';

export interface HealthProbeWorkflowResult {
  probes: HealthProbeResult[];
  heartbeat: HeartbeatResult | { pinged: false; error: string };
}

export async function healthProbeWorkflow(input: WatchdogInput): Promise<HealthProbeWorkflowResult> {
  return runWatchdog('health-probe', input.pipeline, async () => {
    const probes = await probeHealthEndpoints();
    for (const p of probes.filter((r) => r.changed)) {
      await raiseWatchdogAlert(
        p.healthy
          ? { severity: 'info', title: `${p.name} is healthy again`, text: `${p.name} answers /health with ${p.httpStatus}.`, dedupKey: `${input.pipeline}:health:${p.name}:resolved` }
          : {
              severity: 'critical',
              title: `${p.name} is unhealthy or down`,
              text: `${p.name} /health: ${p.httpStatus ? `HTTP ${p.httpStatus}` : 'no answer'}${p.error ? ` (${p.error})` : ''}. Completions may not be reaching the orchestrator.`,
              dedupKey: `${input.pipeline}:health:${p.name}:down`,
            },
      );
    }
    let heartbeat: HealthProbeWorkflowResult['heartbeat'];
    try {
      heartbeat = await pingHeartbeat();
    } catch (error) {
      heartbeat = { pinged: false, error: describeFailure(error) };
      await raiseWatchdogAlert({ severity: 'warning', title: 'External heartbeat ping failed', text: `${heartbeat.error}. The outside monitor will report the system down if this persists.`, dedupKey: `${input.pipeline}:heartbeat:failed` });
    }
    return { probes, heartbeat };
  });
}
