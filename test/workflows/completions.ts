/** Builders of realistic completion signals for workflow tests. */
import type { CompletionMessage, CompletionSignal } from '../../contract/completion-message';

let sequence = 0;

export interface CompletionOptions extends Partial<CompletionMessage> {
  messageId?: string;
  topic?: string;
}

const TOPICS: Record<string, string> = {
  phase_2_raw: 'nba-phase2-raw-complete',
  phase_3_analytics: 'nba-phase3-analytics-complete',
  phase_4_precompute: 'nba-phase4-precompute-complete',
  phase_5_predictions: 'nba-phase5-predictions-complete',
};

export function completion(phase: string, processorName: string, gameDate: string, options: CompletionOptions = {}): CompletionSignal {
  sequence += 1;
  const { messageId, topic, ...fields } = options;
  const message: CompletionMessage = {
    processor_name: processorName,
    phase,
    execution_id: `run-${processorName}-${sequence}`,
    correlation_id: `corr-${gameDate}`,
    game_date: gameDate,
    status: 'success',
    record_count: 100,
    timestamp: new Date().toISOString(),
    metadata: {},
    ...fields,
  };
  return { messageId: messageId ?? `msg-${sequence}`, topic: topic ?? TOPICS[phase] ?? 'unknown-topic', publishTime: new Date().toISOString(), message };
}

export const PHASE2 = ['p2_bigdataball_pbp', 'p2_odds_game_lines', 'p2_odds_player_props', 'p2_nbacom_gamebook_pdf', 'p2_nbacom_boxscores'];
export const PHASE3 = ['player_game_summary', 'team_defense_game_summary', 'team_offense_game_summary', 'upcoming_player_game_context', 'upcoming_team_game_context'];
export const PHASE4 = ['team_defense_zone_analysis', 'player_shot_zone_analysis', 'player_composite_factors', 'player_daily_cache', 'ml_feature_store'];
