/** Every operator command's `--help` ends with an example of it. */
import assert from 'node:assert/strict';
import { operatorProgram } from '../../operator-cli/program';

describe('operator CLI help', () => {
  for (const command of ['status', 'stuck', 'force', 'rearm', 'skip', 'reset', 'replay']) {
    it(`${command} --help shows an example`, () => {
      let out = '';
      const program = operatorProgram();
      for (const c of [program, ...program.commands]) c.configureOutput({ writeOut: (text) => (out += text), writeErr: (text) => (out += text) }).exitOverride();
      assert.throws(() => program.parse(['node', 'operator', command, '--help']), { code: 'commander.helpDisplayed' });
      assert.match(out, new RegExp(`Usage: operator ${command}`));
      assert.match(out, new RegExp(`Examples:\\n\\s+\\$ npm run operator -- ${command}\\b`));
    });
  }
});
