import { loadPipelineDefinition } from './load-pipeline-definition';
import type { PipelineDefinition } from './pipeline-definition';

/** The Pub/Sub topics a pipeline definition consumes (completions) and publishes to (triggers). */
export interface PipelineTopics {
  completionTopics: string[];
  triggerTopics: string[];
}

/** Derived from the definition (default `pipelines/nba.json`, or `PIPELINE_DEFINITION`), never listed by hand. */
export function pipelineTopics(definition: PipelineDefinition = loadPipelineDefinition()): PipelineTopics {
  const unique = (names: string[]): string[] => [...new Set(names)];
  return {
    completionTopics: unique(definition.transitions.map((t) => t.completionTopic)),
    // Monitor-mode transitions publish nothing, but their topic still exists so switching mode needs no setup.
    triggerTopics: unique(definition.transitions.map((t) => t.outputTopic)),
  };
}

/** Subscription the bridge pulls completions from. */
export function bridgeSubscriptionName(completionTopic: string): string {
  return `${completionTopic}-orchestrator`;
}

/**
 * Deliveries of one message to the bridge's subscription before Pub/Sub moves it to `<topic>-dlq` itself. The
 * bridge holds messages through a Temporal outage instead of nacking them, so attempts count only crashes,
 * restarts and holds longer than BRIDGE_MAX_HOLD_MINUTES: this catches a message that keeps killing the bridge,
 * or that it can neither signal nor dead-letter, instead of redelivering it forever.
 */
export const BRIDGE_MAX_DELIVERY_ATTEMPTS = 20;

export function deadLetterTopicName(completionTopic: string): string {
  return `${completionTopic}-dlq`;
}

/** Subscription on a dead-letter topic, so dead letters can be read back. */
export function deadLetterSubscriptionName(completionTopic: string): string {
  return `${deadLetterTopicName(completionTopic)}-sub`;
}

/** Subscription on a trigger topic, for tests and the demo. */
export function triggerSubscriptionName(triggerTopic: string): string {
  return `${triggerTopic}-sub`;
}
