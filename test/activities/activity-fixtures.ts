/** Inputs the activity tests share: realistic rows and documents for a given (unique) game date. */
import type { ExecutionLogRow, FirestoreProjectionInput } from '../../activities/activity-contracts';

export function projectionInput(gameDate: string, overrides: Partial<FirestoreProjectionInput['meta']> = {}): FirestoreProjectionInput {
  return {
    collection: 'phase3_completion',
    gameDate,
    processors: {
      player_game_summary: {
        completed_at: `${gameDate}T06:00:00.000Z`,
        correlation_id: 'corr-1',
        status: 'success',
        record_count: 240,
        execution_id: 'exec-1',
        is_incremental: false,
        entities_changed: [],
      },
    },
    meta: {
      _completed_count: 1,
      _mode: 'overnight',
      _first_completion_at: `${gameDate}T06:00:00.000Z`,
      _last_update: `${gameDate}T06:00:00.000Z`,
      _trigger_reason: null,
      _triggered: false,
      _triggered_at: null,
      _missing_processors: ['team_defense_game_summary'],
      _wait_seconds: null,
      ...overrides,
    },
  };
}

export function executionLogRow(gameDate: string, overrides: Partial<ExecutionLogRow> = {}): ExecutionLogRow {
  return {
    rowKey: `nba/${gameDate}/phase2_to_phase3/1/triggered`,
    execution_timestamp: `${gameDate}T07:00:00.000Z`,
    phase_name: 'phase2_to_phase3',
    game_date: gameDate,
    correlation_id: 'corr-1',
    start_time: `${gameDate}T06:30:00.000Z`,
    duration_seconds: 1800.5,
    games_processed: 5,
    status: 'complete',
    metadata: { trigger_reason: 'all_complete', note: "quote ' and \\ backslash; DROP TABLE x" },
    ...overrides,
  };
}
