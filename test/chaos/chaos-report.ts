/** The chaos report as Markdown tables: the run's figures, then one row per fault kind, then the violations. */
import type { ChaosReport } from './chaos-run';

function markdownTable(header: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

const seconds = (ms: number | null): string => (ms === null ? '–' : (ms / 1000).toFixed(1));

export function formatChaosReport(report: ChaosReport): string {
  const f = report.audit.figures;
  const { options } = report;
  const summary = markdownTable(
    ['figure', 'value'],
    [
      ['run', `seed ${options.seed}, ${options.workers} workers, ${options.bridges} bridges, ${report.durationSeconds} s`],
      ['dates (+ planned dates with no traffic)', `${f.dates} (+${f.plannedSilentDates})`],
      ['settled (every write drained) after the last fault', report.settledAfterSeconds === null ? 'not within the settle time' : `${report.settledAfterSeconds} s`],
      ['transitions (rounds) expected', f.transitions],
      ['triggered exactly once', f.triggered],
      ['failed and alerted (no trigger)', f.failedAndAlerted],
      ['lost', f.lost],
      ['doubled', f.doubled],
      ['silent (neither done nor told)', f.silent],
      ['completions (phase_completions rows expected)', f.completions],
      ['completion rows missing / doubled', `${f.completionRowsMissing} / ${f.completionRowsDoubled}`],
      ['phase_execution_log rows doubled', f.executionLogRowsDoubled],
      ['rows appended again by a retry (hidden by the views)', f.rowsAppendedAgain],
      ['projections inconsistent with workflow state', f.inconsistentProjections],
      ['malformed messages / dead-lettered with reason', `${f.malformed} / ${f.deadLettered}`],
      ['planned dates with nothing / alerted', `${f.plannedSilentDates} / ${f.plannedSilentAlerted}`],
      ['faults (injection errors)', `${f.faults} (${f.faultErrors})`],
      ['alerts delivered / per fault / most repeats of one', `${f.alerts} / ${f.alertsPerFault} / ${f.maxRepeatsOfOneAlert}`],
      ['violations', report.audit.violations.length],
    ],
  );
  const kinds = markdownTable(
    ['fault kind', 'count', 'seen in /health', 'recovery median s', 'recovery max s'],
    report.audit.perFaultKind.map((k) => [k.kind, k.count, k.seenInHealth === null ? '–' : `${k.seenInHealth}`, seconds(k.recoveryMsMedian), seconds(k.recoveryMsMax)]),
  );
  const violations = report.audit.violations.length ? `\nViolations:\n${report.audit.violations.map((v) => `- ${v}`).join('\n')}` : '\nNo violations.';
  return `${summary}\n\n${kinds}\n${violations}`;
}
