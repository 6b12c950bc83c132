import assert from 'node:assert/strict';
import { bridgeEnvShape } from '../../bridge/bridge-config';
import { parseServiceEnv } from '../../service/service-environment';
import { ServiceConfigError } from '../../service/startup';

const base = { GOOGLE_CLOUD_PROJECT: 'nba-local' };

describe('bridge streaming pull streams', () => {
  it('opens one stream per subscription by default', () => {
    assert.equal(parseServiceEnv('bridge', bridgeEnvShape, base).BRIDGE_STREAMS_PER_SUBSCRIPTION, 1);
    assert.equal(parseServiceEnv('bridge', bridgeEnvShape, { ...base, BRIDGE_STREAMS_PER_SUBSCRIPTION: '3' }).BRIDGE_STREAMS_PER_SUBSCRIPTION, 3);
  });

  for (const value of ['0', '1.5', 'many']) {
    it(`refuses BRIDGE_STREAMS_PER_SUBSCRIPTION=${value}, naming the variable`, () => {
      assert.throws(() => parseServiceEnv('bridge', bridgeEnvShape, { ...base, BRIDGE_STREAMS_PER_SUBSCRIPTION: value }), (error: Error) => {
        assert.ok(error instanceof ServiceConfigError);
        assert.match(error.message, /BRIDGE_STREAMS_PER_SUBSCRIPTION is invalid/);
        return true;
      });
    });
  }
});

describe('bridge alert settings', () => {
  it('summarises dead letters over 5 min by default; 0 alerts each; refuses a negative window, naming the variable', () => {
    assert.equal(parseServiceEnv('bridge', bridgeEnvShape, base).BRIDGE_DEAD_LETTER_ALERT_WINDOW_SECONDS, 300);
    assert.equal(parseServiceEnv('bridge', bridgeEnvShape, { ...base, BRIDGE_DEAD_LETTER_ALERT_WINDOW_SECONDS: '0' }).BRIDGE_DEAD_LETTER_ALERT_WINDOW_SECONDS, 0);
    assert.throws(() => parseServiceEnv('bridge', bridgeEnvShape, { ...base, BRIDGE_DEAD_LETTER_ALERT_WINDOW_SECONDS: '-1' }), /BRIDGE_DEAD_LETTER_ALERT_WINDOW_SECONDS is invalid/);
  });

  it('refuses a silence subscription template that replicas would share', () => {
    assert.equal(parseServiceEnv('bridge', bridgeEnvShape, base).BRIDGE_SILENCE_SUBSCRIPTION_TEMPLATE, '{topic}-silence-{replica}');
    assert.throws(() => parseServiceEnv('bridge', bridgeEnvShape, { ...base, BRIDGE_SILENCE_SUBSCRIPTION_TEMPLATE: '{topic}-silence' }), /BRIDGE_SILENCE_SUBSCRIPTION_TEMPLATE is invalid: must contain \{replica\}/);
  });
});
