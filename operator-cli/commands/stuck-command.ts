/** `stuck`: open dates that need an operator. */
import type { Command } from 'commander';
import { searchAttributes } from '../../workflows/game-date/messages';
import { connect, definition } from '../cli-context';

export function registerStuckCommand(program: Command): void {
  program
    .command('stuck')
    .description('list open dates with an overdue transition')
    .action(async () => {
      const client = await connect();
      const query = `Pipeline = '${definition.pipeline}' AND ExecutionStatus = 'Running' AND OverdueTransitions IS NOT NULL`;
      let count = 0;
      for await (const execution of client.workflow.list({ query })) {
        const attributes = execution.typedSearchAttributes;
        const gameDate = attributes.get(searchAttributes.gameDate) ?? execution.workflowId;
        const overdue = attributes.get(searchAttributes.overdueTransitions) ?? [];
        console.log(`${gameDate}  overdue: ${overdue.join(', ')}  phase: ${attributes.get(searchAttributes.currentPhase) ?? '?'}`);
        count += 1;
      }
      console.log(count ? `${count} stuck date(s)` : 'No stuck dates.');
    });
}
