/** The workflows a worker registers. */
export { gameDateWorkflow } from './game-date/workflow';
export { plannerWorkflow } from './planner-workflow';
export { reconciliationWorkflow } from './reconciliation-workflow';
export { stuckWorkflowsWorkflow } from './stuck-workflows-workflow';
export { healthProbeWorkflow } from './health-probe-workflow';
