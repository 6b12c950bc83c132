/**
 * Topic names of the default pipeline (CONTRACT §1). Kept here until the pipeline definition
 * (pipelines/nba.json) exists; then these are derived from its transitions instead.
 */
export interface PipelineTopics {
  completionTopics: string[];
  triggerTopics: string[];
}

export function pipelineTopics(): PipelineTopics {
  return {
    completionTopics: [
      'nba-phase2-raw-complete',
      'nba-phase3-analytics-complete',
      'nba-phase4-precompute-complete',
      'nba-phase5-predictions-complete',
    ],
    triggerTopics: ['nba-phase3-trigger', 'nba-phase4-trigger', 'nba-predictions-trigger', 'nba-phase6-export-trigger'],
  };
}

/** Subscription the bridge pulls completions from. */
export function bridgeSubscriptionName(completionTopic: string): string {
  return `${completionTopic}-orchestrator`;
}

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
