/** The signalWithStart ceiling sends the messages in the order the bridge sees them: round-robin over topics. */
import { strict as assert } from 'node:assert';
import { interleaveByTopic } from '../../bench/ceilings';
import type { SeasonMessage } from '../../bench/season';

const message = (topic: string, n: number): SeasonMessage =>
  ({ topic, gameDate: '2009-01-01', transition: topic, body: { execution_id: `${topic}-${n}` } }) as unknown as SeasonMessage;
const ids = (messages: SeasonMessage[]) => messages.map((m) => m.body.execution_id);

describe('interleaveByTopic', () => {
  it('takes one message per topic in turn, each topic in publish order, and keeps every message', () => {
    const season = [message('a', 1), message('a', 2), message('a', 3), message('b', 1), message('c', 1), message('c', 2)];
    assert.deepEqual(ids(interleaveByTopic(season)), ['a-1', 'b-1', 'c-1', 'a-2', 'c-2', 'a-3']);
    assert.deepEqual(interleaveByTopic([]), []);
  });
});
