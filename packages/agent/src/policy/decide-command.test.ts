import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decideCommand } from './decide-command.js';
import type { ApprovalMode, CommandPolicy } from './decide-command.js';

const MODES: readonly ApprovalMode[] = ['ask', 'auto-in-workspace', 'never-ask'];

function verdict(command: string, policy: CommandPolicy): string {
  return decideCommand(command, policy).verdict;
}

describe('decideCommand', () => {
  it('refuses tests in every mode unless the user allowed them, and says why', () => {
    for (const approval of MODES) {
      for (const command of ['npm test', 'git diff && npm run test:unit', 'bash -c "npx vitest run"']) {
        const decision = decideCommand(command, { approval, testsAllowed: false, networkAllowed: true });
        assert.equal(decision.verdict, 'refuse', `${approval}: ${command}`);
        assert.match(decision.reason, /only when the user asks/);
      }
    }
  });

  it('does not mistake a quoted test command for a test', () => {
    assert.equal(verdict('echo "npm test"', { approval: 'ask', testsAllowed: false }), 'run');
  });

  it('ask: runs read-only commands and asks for everything else', () => {
    const policy: CommandPolicy = { approval: 'ask', testsAllowed: true, networkAllowed: true };
    assert.equal(verdict('git status && ls', policy), 'run');
    for (const command of ['tsc -b', 'rm -rf dist', 'npm test', 'curl x', 'frobnicate', 'ls > out.txt']) {
      assert.equal(verdict(command, policy), 'ask', command);
    }
  });

  it('auto-in-workspace, sandboxed: runs read, build, write and allowed tests; asks for network', () => {
    const policy: CommandPolicy = { approval: 'auto-in-workspace', testsAllowed: true, sandboxed: true };
    for (const command of ['ls', 'tsc -b', 'rm -rf dist', 'npm test', 'frobnicate']) {
      assert.equal(verdict(command, policy), 'run', command);
    }
    assert.equal(verdict('npm install', policy), 'ask');
    assert.equal(verdict('echo $(curl x)', policy), 'ask');
    assert.equal(verdict('npm install', { ...policy, networkAllowed: true }), 'run');
  });

  it('auto-in-workspace without a sandbox: runs read-only commands, asks for anything that may write', () => {
    const policy: CommandPolicy = { approval: 'auto-in-workspace', testsAllowed: true, networkAllowed: true };
    assert.equal(verdict('git status && cat ../x', policy), 'run');
    for (const command of ['tsc -b', 'rm -f ../outside/f', 'echo x > ../outside/f', 'sed -i s/a/b/ ../f', 'npm test', 'frobnicate']) {
      const decision = decideCommand(command, policy);
      assert.equal(decision.verdict, 'ask', command);
      assert.match(decision.reason, /No sandbox confines shell commands here/);
    }
  });

  it('never-ask: never asks; refuses network unless allowed', () => {
    const policy: CommandPolicy = { approval: 'never-ask', testsAllowed: true };
    for (const command of ['ls', 'make', 'rm -rf dist', 'pytest', 'frobnicate']) {
      assert.equal(verdict(command, policy), 'run', command);
    }
    assert.equal(verdict('git push', policy), 'refuse');
    assert.equal(verdict('git push', { ...policy, networkAllowed: true }), 'run');
    assert.equal(verdict('npm test', { ...policy, testsAllowed: false }), 'refuse');
  });

  it('returns the classes it decided on', () => {
    const decision = decideCommand('cat x | grep y > out.txt', { approval: 'ask', testsAllowed: false });
    assert.deepEqual([...decision.classes].sort(), ['read', 'write']);
  });
});
