/**
 * Loaded before the worker with `--require` (the image's worker command, `serviceNodeArgs` for the local stack), so
 * that it runs in every thread of the process, the workflow threads included, before the SDK does.
 *
 * In a workflow thread the SDK installs a promise hook that captures and source-maps a stack for every promise
 * workflow code creates, so that the stack-trace query (the Web UI's call stack) can show where a running workflow
 * waits. That costs a quarter of the thread's CPU on every task and every replay (temporalio/sdk-typescript#1587)
 * and the SDK has no switch for it, so here it is off unless WORKFLOW_STACK_TRACES=on: the SDK then answers the
 * query with "Workflow stack traces are not enabled on this worker", and a date's current details still say what
 * it waits for.
 *
 * The preload is also where a workflow thread takes the CPU priority its creator asked for (the backlog's, see
 * worker/workflow-thread-priority.ts): only code running inside a thread can change that thread's priority.
 */
import { isMainThread } from 'node:worker_threads';
import { globalHandlers } from '@temporalio/worker/lib/workflow/vm-shared';
import { applyWorkflowThreadNice } from './workflow-thread-priority';

/** Whether this process was started with the preload (its main thread cannot see into the workflow threads). */
export function stackTracesPreloaded(execArgv: readonly string[] = process.execArgv, nodeOptions = process.env.NODE_OPTIONS ?? ''): boolean {
  return [...execArgv, ...nodeOptions.split(/\s+/)].some((arg) => /workflow-stack-traces\.[jt]s$/.test(arg));
}

if (!isMainThread && process.env.WORKFLOW_STACK_TRACES !== 'on') {
  // The hook is the only part turned off: the SDK's own stack-trace formatting for errors stays as it is. An SDK
  // that renames this method would collect stacks again; the end-to-end tests query a running date to catch that.
  (globalHandlers as unknown as { setPromiseHook(): void }).setPromiseHook = () => undefined;
}

applyWorkflowThreadNice(); // a no-op on the main thread
