/** The workflows a worker registers. */
export { gameDateWorkflow } from './game-date/workflow';
export { plannerWorkflow } from './watchdogs/planner-workflow';
export { reconciliationWorkflow } from './watchdogs/reconciliation-workflow';
export { stuckWorkflowsWorkflow } from './watchdogs/stuck-workflows-workflow';
export { healthProbeWorkflow } from './watchdogs/health-probe-workflow';
