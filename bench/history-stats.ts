/**
 * History size of the date workflows (describe's historyLength), on an evenly spread sample of dates once
 * the workflows have settled (their background writes finished, so the length stops growing).
 */
import type { Client } from '@temporalio/client';
import { gameDateWorkflowId } from '../workflows/game-date/messages';

export interface HistoryStats {
  sampledDates: number;
  eventsPerDate: number;
  /** History events per completion message delivered to the sampled dates (duplicates included). */
  eventsPerCompletion: number;
  largest: { gameDate: string; events: number } | null;
  /** Seconds waited for the histories to stop growing. */
  settleSeconds: number;
}

function sample<T>(items: T[], max: number): T[] {
  if (items.length <= max) return items;
  return Array.from({ length: max }, (_, i) => items[Math.floor((i * items.length) / max)]!);
}

async function lengths(client: Client, pipeline: string, dates: string[]): Promise<Map<string, number>> {
  const result = new Map<string, number>();
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < dates.length) {
      const date = dates[next++]!;
      const description = await client.workflow.getHandle(gameDateWorkflowId(pipeline, date)).describe();
      result.set(date, description.historyLength);
    }
  };
  await Promise.all(Array.from({ length: 16 }, lane));
  return result;
}

export async function historyStats(options: { client: Client; pipeline: string; dates: string[]; messagesPerDate: Map<string, number>; maxSample: number; settleTimeoutMs: number }): Promise<HistoryStats> {
  const dates = sample(options.dates, options.maxSample);
  const started = Date.now();
  let current = await lengths(options.client, options.pipeline, dates);
  // Settled: two reads a second apart with the same total.
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const again = await lengths(options.client, options.pipeline, dates);
    const total = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
    const stable = total(again) === total(current);
    current = again;
    if (stable || Date.now() - started > options.settleTimeoutMs) break;
  }
  let events = 0;
  let messages = 0;
  let largest: HistoryStats['largest'] = null;
  for (const [gameDate, length] of current) {
    events += length;
    messages += options.messagesPerDate.get(gameDate) ?? 0;
    if (!largest || length > largest.events) largest = { gameDate, events: length };
  }
  return {
    sampledDates: current.size,
    eventsPerDate: current.size ? events / current.size : 0,
    eventsPerCompletion: messages ? events / messages : 0,
    largest,
    settleSeconds: (Date.now() - started) / 1000,
  };
}
