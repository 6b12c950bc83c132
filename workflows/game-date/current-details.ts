/**
 * The date's story for the Temporal Web UI's "Current details": each transition's state and what it waits for,
 * the next deadline, the last operator action, the last alert and the writes not yet landed, as markdown a
 * person reads at 3 a.m. Rendered from the status query's view, so the UI, the CLI and the query agree.
 */
import { setCurrentDetails } from '@temporalio/workflow';
import type { PipelineDefinition, TransitionDefinition } from '../../contract/pipeline-definition';
import { dateTimeFormatIn } from '../../contract/time-zone-formats';
import type { DateContext } from './date-context';
import { dateStatus, type GameDateStatus, type TransitionStatus } from './status';

const MAX_ERROR_CHARS = 160;

/** Markdown of the date's current state; only absolute times, so it changes only when the state does. */
export function renderCurrentDetails(definition: PipelineDefinition, status: GameDateStatus): string {
  const lines = [`**${status.currentPhase === 'done' ? 'All transitions settled' : `Open: \`${status.currentPhase}\``}**`, ''];
  for (const transition of status.transitions) {
    const def = definition.transitions.find((t) => t.name === transition.name);
    if (def) lines.push(`- \`${transition.name}\`: ${transitionLine(def, transition)}`);
  }
  lines.push('');
  const at = (iso: string) => formatTime(Date.parse(iso), definition.timeZone);
  lines.push(`- **Next deadline:** ${status.nextDeadline ? `${escapeMarkdown(status.nextDeadline.label)}, ${at(status.nextDeadline.at)}` : 'none'}`);
  const action = status.operatorActions[status.operatorActions.length - 1];
  lines.push(
    `- **Last operator action:** ${action ? `${action.action} \`${action.transition}\`${action.round === 'main' ? '' : ` (${escapeMarkdown(action.round)})`} by ${escapeMarkdown(action.operator)}, ${formatTime(action.at, definition.timeZone)}: ${escapeMarkdown(action.reason)}` : 'none'}`,
  );
  lines.push(`- **Last alert:** ${status.lastAlert ? `${status.lastAlert.severity}, ${at(status.lastAlert.at)}: ${escapeMarkdown(status.lastAlert.title)}` : 'none'}`);
  lines.push(`- **Pending writes:** ${pendingWrites(status)}`);
  if (status.outages.length) lines.push(`- **Failing stores:** ${status.outages.join(', ')} (retried with back-off)`);
  return lines.join('\n');
}

function transitionLine(def: TransitionDefinition, t: TransitionStatus): string {
  if (t.skipped) return `skipped by ${escapeMarkdown(t.skipped.operator)}: ${escapeMarkdown(t.skipped.reason)}`;
  const expected = def.expectedProcessors.length;
  const count = expected ? `, ${t.completed.filter((name) => def.expectedProcessors.includes(name)).length} of ${expected} processors` : '';
  const waitsFor = t.settled ? '' : waitingFor(def, t);
  const rounds = t.rounds.filter((r) => r.key !== 'main').map((r) => `${escapeMarkdown(r.key)} ${r.state}`);
  const failed = t.rounds.find((r) => r.state === 'failed' && r.error);
  const blocked = t.rounds.find((r) => r.state === 'blocked' && r.blockReason);
  const parts = [`**${t.state}**${count}`];
  if (rounds.length) parts.push(`rounds: ${rounds.join(', ')}`);
  if (waitsFor) parts.push(`waits for ${waitsFor}`);
  if (blocked) parts.push(`blocked: ${escapeMarkdown(blocked.blockReason ?? '')}`);
  if (failed) parts.push(`last error (attempt ${failed.attempts}): ${escapeMarkdown(truncate(failed.error ?? '', MAX_ERROR_CHARS))}`);
  const failedRuns = t.reports.filter((r) => r.status === 'failed').length;
  if (failedRuns) parts.push(`${failedRuns} failed run${failedRuns === 1 ? '' : 's'} reported`);
  if (t.unknownNames.length) parts.push(`unknown names: ${t.unknownNames.map(escapeMarkdown).join(', ')}`);
  return parts.join('; ');
}

/** What an unsettled transition still needs: its missing processors, or its first completion or batch. */
function waitingFor(def: TransitionDefinition, t: TransitionStatus): string {
  if (def.rule.kind === 'per_batch') return `a ${def.phase} batch at least ${def.rule.minCompletionPercent}% complete`;
  if (t.completed.length === 0 && t.rounds.length === 0) return `its first ${def.phase} completion`;
  return t.missing.length ? t.missing.join(', ') : 'its rule (all expected processors are in)';
}

function pendingWrites(status: GameDateStatus): string {
  const p = status.pendingWrites;
  const parts = [
    plural(p.logRows, 'log row'),
    plural(p.completionRows, 'completion row'),
    plural(p.projections.length, 'Firestore document'),
    plural(p.statusRows.length, 'status row'),
    plural(p.alerts, 'alert'),
  ].filter((part) => part !== '');
  return parts.length ? parts.join(', ') : 'none';
}

export function plural(count: number, noun: string): string {
  return count === 0 ? '' : `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/** `2026-12-02 10:00 EST (15:00 UTC)`: the pipeline's local time, which operators plan by, and UTC. */
export function formatTime(at: number, timeZone: string): string {
  const local = dateTimeFormatIn(timeZone, { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZoneName: 'short' });
  const parts = local.formatToParts(at);
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  const utc = new Date(at).toISOString();
  return `${part('year')}-${part('month')}-${part('day')} ${part('hour')}:${part('minute')} ${part('timeZoneName')} (${utc.slice(11, 16)} UTC)`;
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/**
 * Text from messages and operators must not turn into markup (a stray `*` or `<`). Underscores stay: names are
 * snake_case, and an underscore inside a word is no emphasis.
 */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*[\]<>]/g, (c) => `\\${c}`).replace(/\s+/g, ' ');
}

/** Returns an updater that sets the current details when they changed (no history command, so replay-safe). */
export function currentDetailsUpdater(ctx: DateContext): () => void {
  let last = '';
  return () => {
    const details = renderCurrentDetails(ctx.definition, dateStatus(ctx.definition, ctx.state));
    if (details === last) return;
    last = details;
    setCurrentDetails(details);
  };
}
