/** The workflows a worker registers. */
export { gameDateWorkflow } from './game-date-workflow';
