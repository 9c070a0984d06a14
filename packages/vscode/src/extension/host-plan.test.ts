import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HOST_HEALTHY_AFTER_MS, HOST_RESTART_MAX_MS, MAX_HOST_RESTARTS, nextRestartAttempt, planHost, restartDelay, serveCommand } from './host-plan.js';
import { normalizeServerUrl, readSettings } from './settings.js';

describe('host plan', () => {
  it('attaches to the host a lock names, else starts one', () => {
    assert.deepEqual(planHost({ url: 'http://127.0.0.1:9', token: 't', pid: 4 }), { kind: 'attach', url: 'http://127.0.0.1:9', token: 't', pid: 4 });
    assert.deepEqual(planHost(undefined), { kind: 'start' });
  });

  it('starts spark serve on a free port with the configured models; a .js command runs with node', () => {
    assert.deepEqual(serveCommand({ command: 'spark', model: '', deepModel: '', approvalMode: 'ask' }), { program: 'spark', args: ['serve', '--port', '0'] });
    assert.deepEqual(serveCommand({ command: '/r/packages/cli/dist/main.js', model: 'a', deepModel: 'b', approvalMode: 'auto-in-workspace' }, '/usr/bin/node'), {
      program: '/usr/bin/node', args: ['/r/packages/cli/dist/main.js', 'serve', '--port', '0', '--model', 'a', '--model', 'b', '--approval', 'auto-in-workspace'],
    });
    assert.deepEqual(serveCommand({ command: 'spark', model: 'a', deepModel: 'a', approvalMode: 'never-ask' }).args, ['serve', '--port', '0', '--model', 'a', '--approval', 'never-ask']);
  });

  it('backs off restarts, bounded in wait and in number, and forgives a host that ran long', () => {
    const delays = Array.from({ length: MAX_HOST_RESTARTS + 1 }, (_, attempt) => restartDelay(attempt));
    assert.equal(delays[MAX_HOST_RESTARTS], undefined);
    const given = delays.slice(0, MAX_HOST_RESTARTS) as number[];
    for (let i = 1; i < given.length; i++) assert.ok(given[i]! >= given[i - 1]!);
    assert.ok(given.every((delay) => delay > 0 && delay <= HOST_RESTART_MAX_MS));
    assert.equal(restartDelay(-1), undefined);
    assert.equal(nextRestartAttempt(3, HOST_HEALTHY_AFTER_MS), 0);
    assert.equal(nextRestartAttempt(3, 10), 3);
  });
});

describe('settings', () => {
  it('uses the defaults when nothing is set', () => {
    const { settings, problems } = readSettings(() => undefined);
    assert.deepEqual(settings, { serverUrl: '', command: 'spark', model: '', deepModel: '', approvalMode: 'ask', patchDiffs: 'offer' });
    assert.deepEqual(problems, []);
  });

  it('normalizes the server URL and reports bad values, falling back to defaults', () => {
    const values: Record<string, unknown> = { serverUrl: 'http://127.0.0.1:8000/v1/', model: 42, approvalMode: 'full-auto', command: ' node ', patchDiffs: 7 };
    const { settings, problems } = readSettings((key) => values[key]);
    assert.equal(settings.serverUrl, 'http://127.0.0.1:8000');
    assert.equal(settings.model, '');
    assert.equal(settings.approvalMode, 'ask');
    assert.equal(settings.command, 'node');
    assert.equal(settings.patchDiffs, 'offer');
    assert.equal(problems.length, 3);
    assert.match(problems.join('\n'), /spark\.approvalMode must be one of ask, auto-in-workspace, never-ask/);
    const good = readSettings((key) => ({ approvalMode: 'never-ask', patchDiffs: 'open' } as Record<string, unknown>)[key]);
    assert.deepEqual([good.settings.approvalMode, good.settings.patchDiffs, good.problems], ['never-ask', 'open', []]);
    assert.equal(normalizeServerUrl('file:///etc/passwd'), undefined);
    assert.equal(normalizeServerUrl('http://user:pw@host'), undefined);
    assert.equal(readSettings((key) => (key === 'serverUrl' ? 'nope' : undefined)).problems.length, 1);
  });
});
