import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GenerateRequest, ScriptStep } from '@spark/engine';
import { startTestServer, TEST_MODEL, type TestServer } from '@spark/server/testing';
import { TmuxSession } from './tmux.js';

const CLI = new URL('../main.js', import.meta.url).pathname;

export interface ScriptedTui {
  readonly server: TestServer;
  readonly tmux: TmuxSession;
  readonly workspace: string;
  /** Types `text` and presses Enter. */
  ask(text: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * The real `spark` TUI in a tmux pane, in a fresh workspace holding `files`, against a test server
 * on the scripted engine; resolves once it shows `ready`. Its data and config live in their own
 * temporary folder, so a user's settings never reach a test.
 */
export async function startScriptedTui(options: {
  readonly script: (request: GenerateRequest) => readonly ScriptStep[];
  readonly files: Readonly<Record<string, string>>;
  readonly approval: string;
  readonly rows: number;
  /** Names the temporary folders. */
  readonly name: string;
}): Promise<ScriptedTui> {
  const server = await startTestServer({ engineOptions: { script: options.script, contextSize: 100_000 } });
  const workspace = await mkdtemp(join(tmpdir(), `spark-${options.name}-`));
  for (const [path, contents] of Object.entries(options.files)) await writeFile(join(workspace, path), contents);
  const data = await mkdtemp(join(tmpdir(), `spark-${options.name}-data-`));
  const tmux = await TmuxSession.start([process.execPath, CLI, '--server', `${server.url}/v1`, '--model', TEST_MODEL, '--approval', options.approval], {
    cwd: workspace, env: { SPARK_DATA_DIR: data, SPARK_CONFIG: join(data, 'none.json') }, columns: 100, rows: options.rows,
  });
  await tmux.waitFor(/ready/);
  return {
    server, tmux, workspace,
    async ask(text) {
      await tmux.type(text);
      await tmux.keys('Enter');
    },
    async close() {
      await tmux.kill();
      await server.server.close();
    },
  };
}
