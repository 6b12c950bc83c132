/** Custom search attributes each date's workflow sets, registered when the dev server starts. */
export type SearchAttributeType = 'Keyword' | 'KeywordList' | 'Text' | 'Int' | 'Double' | 'Bool' | 'Datetime';

export const WORKFLOW_SEARCH_ATTRIBUTES = {
  GameDate: 'Keyword',
  Pipeline: 'Keyword',
  CurrentPhase: 'Keyword',
  TransitionStates: 'KeywordList',
  MissingProcessors: 'KeywordList',
  OverdueTransitions: 'KeywordList',
} as const satisfies Record<string, SearchAttributeType>;

export type WorkflowSearchAttributeName = keyof typeof WORKFLOW_SEARCH_ATTRIBUTES;

/** `NAME=TYPE` pairs for `temporal server start-dev --search-attribute`. */
export function searchAttributeFlags(): string[] {
  return Object.entries(WORKFLOW_SEARCH_ATTRIBUTES).flatMap(([name, type]) => ['--search-attribute', `${name}=${type}`]);
}
