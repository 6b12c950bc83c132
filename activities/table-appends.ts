/**
 * Group commit of a worker's streaming inserts, per table. Each insertAll request costs BigQuery (and far more
 * the emulator, about 15 ms of CPU whatever its size) per request rather than per row, and a backfill runs
 * hundreds of writer passes at once, each appending a handful of rows. So a table has at most a few requests in
 * flight; the rows of the calls that arrive meanwhile go together in the next request (at most 500 rows). An idle
 * table sends at once, so a live date's rows wait for nothing.
 *
 * Each call still gets its own outcome. A request that fails as a whole (unreachable, refused, missing table)
 * fails each of its calls, classified with that call's own description. A request refused for a row (insertAll
 * fails every row of a request when one is invalid) is sent again call by call, so only the call with the bad
 * row fails.
 */

/** BigQuery recommends at most 500 rows per insertAll request. */
const ROWS_PER_REQUEST = 500;
/** Requests in flight per table: several, so one slow request does not hold back every date's rows. */
const REQUESTS_IN_FLIGHT = 4;

export interface TableAppendsOptions<Row> {
  /** One insertAll request of at most ROWS_PER_REQUEST rows. */
  insert(table: string, rows: Row[]): Promise<unknown>;
  /** The error a call rejects with, given the request's error and the call's description. */
  classify(error: unknown, where: string): Error;
  requestsInFlight?: number;
}

interface PendingCall<Row> {
  rows: Row[];
  where: string;
  resolve: () => void;
  reject: (error: Error) => void;
}

export type TableAppends<Row> = (table: string, rows: Row[], where: string) => Promise<void>;

export function createTableAppends<Row>(options: TableAppendsOptions<Row>): TableAppends<Row> {
  const limit = options.requestsInFlight ?? REQUESTS_IN_FLIGHT;
  const tables = new Map<string, { waiting: PendingCall<Row>[]; inFlight: number }>();

  /** Rows of one call, in requests of at most ROWS_PER_REQUEST, one after another. */
  const sendAlone = async (table: string, call: PendingCall<Row>): Promise<void> => {
    try {
      for (let i = 0; i < call.rows.length; i += ROWS_PER_REQUEST) await options.insert(table, call.rows.slice(i, i + ROWS_PER_REQUEST));
      call.resolve();
    } catch (error) {
      call.reject(options.classify(error, call.where));
    }
  };

  const send = async (table: string, calls: PendingCall<Row>[]): Promise<void> => {
    if (calls.length === 1) return sendAlone(table, calls[0]!);
    try {
      await options.insert(table, calls.flatMap((call) => call.rows));
    } catch (error) {
      if (isRowRefusal(error)) {
        for (const call of calls) await sendAlone(table, call);
      } else {
        for (const call of calls) call.reject(options.classify(error, call.where));
      }
      return;
    }
    for (const call of calls) call.resolve();
  };

  const pump = (table: string): void => {
    const state = tables.get(table)!;
    while (state.inFlight < limit && state.waiting.length > 0) {
      // The first call goes whatever its size (split by sendAlone); others join while the request has room.
      const calls = [state.waiting.shift()!];
      let rows = calls[0]!.rows.length;
      while (state.waiting.length > 0 && rows + state.waiting[0]!.rows.length <= ROWS_PER_REQUEST) {
        const next = state.waiting.shift()!;
        rows += next.rows.length;
        calls.push(next);
      }
      state.inFlight += 1;
      void send(table, calls).finally(() => {
        state.inFlight -= 1;
        pump(table);
      });
    }
  };

  return (table, rows, where) =>
    new Promise<void>((resolve, reject) => {
      if (rows.length === 0) return resolve();
      let state = tables.get(table);
      if (!state) tables.set(table, (state = { waiting: [], inFlight: 0 }));
      state.waiting.push({ rows, where, resolve, reject });
      pump(table);
    });
}

/** insertAll's per-row refusal (the client's PartialFailureError): the request was answered, some row was not taken. */
function isRowRefusal(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'PartialFailureError';
}
