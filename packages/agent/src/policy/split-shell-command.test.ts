import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SUBSTITUTION_PLACEHOLDER, splitShellCommand } from './split-shell-command.js';

function argvs(line: string): string[][] {
  return splitShellCommand(line).commands.map((c) => [...c.argv]);
}

describe('splitShellCommand', () => {
  it('splits on &&, ||, ;, |, & and newlines', () => {
    assert.deepEqual(argvs('a 1 && b || c; d | e & f\ng'), [['a', '1'], ['b'], ['c'], ['d'], ['e'], ['f'], ['g']]);
  });

  it('keeps operators inside quotes as text', () => {
    assert.deepEqual(argvs(`echo "a && b" 'c; d' e\\;f`), [['echo', 'a && b', 'c; d', 'e;f']]);
  });

  it('classifies substitutions as nested commands and leaves a placeholder', () => {
    assert.deepEqual(argvs('echo $(date) "`whoami`"'), [['date'], ['whoami'], ['echo', SUBSTITUTION_PLACEHOLDER, SUBSTITUTION_PLACEHOLDER]]);
  });

  it('does not treat arithmetic or parameter expansion as commands', () => {
    assert.deepEqual(argvs('echo $((1 + 2)) ${HOME}'), [['echo', '$((1 + 2))', '${HOME}']]);
  });

  it('sees through env, assignments, sudo, timeout, npx and pnpm exec', () => {
    const line = 'env A=1 B=2 sudo -u root timeout -s KILL 5 npx -y vitest run; pnpm exec tsc';
    const commands = splitShellCommand(line).commands;
    assert.deepEqual(commands.map((c) => [...c.argv]), [['vitest', 'run'], ['tsc']]);
    assert.deepEqual(commands[0]?.wrappers, ['env', 'sudo', 'timeout', 'npx']);
    assert.deepEqual(commands[1]?.wrappers, ['pnpm exec']);
  });

  it('splits bash -c scripts into their own commands', () => {
    assert.deepEqual(argvs(`bash -c 'rm -rf build && make'`), [['rm', '-rf', 'build'], ['make']]);
  });

  it('records file redirections as writes, but not /dev/null or fd duplications', () => {
    const [command] = splitShellCommand('cmd > out.txt 2>&1 >> log 2>/dev/null < in.txt').commands;
    assert.deepEqual(command?.writes, ['out.txt', 'log']);
    assert.deepEqual(command?.argv, ['cmd']);
  });

  it('skips heredoc bodies', () => {
    assert.deepEqual(argvs('cat <<-EOF\n\trm -rf /\n\tEOF\nls'), [['cat'], ['ls']]);
  });

  it('strips shell keywords and loop headers', () => {
    assert.deepEqual(argvs('for f in a b; do rm $f; done'), [['rm', '$f']]);
    assert.deepEqual(argvs('if test -f x; then cat x; fi'), [['test', '-f', 'x'], ['cat', 'x']]);
  });

  it('reports unbalanced quotes and substitutions as incomplete', () => {
    assert.equal(splitShellCommand(`echo 'open`).complete, false);
    assert.equal(splitShellCommand('echo $(ls').complete, false);
    assert.equal(splitShellCommand('echo ok').complete, true);
  });

  it('extracts find -exec commands', () => {
    assert.deepEqual(argvs('find . -type f -exec rm -f {} +'), [['rm', '-f', '{}'], ['find', '.', '-type', 'f']]);
  });
});
