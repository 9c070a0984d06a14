// The stack the scripted-engine e2e files share: a temp workspace with their files, a real server
// on the scripted engine with the agent host mounted (its lock file written under the temp
// XDG_RUNTIME_DIR, which code-server's extension host gets too, so the extension finds it as it
// finds a running `spark serve`), and code-server with the packaged extension on that workspace.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { mountApp, type MountedApp } from '@spark/cli/dist/app/mount-app.js';
import { startTestServer, type TestServer } from '@spark/server/testing';
import { startCodeServer, type CodeServerInstall, type VsCodeSession } from './code-server.js';
import { vscodeScript } from './vscode-script.js';

export interface ScriptedWorkbench {
  readonly workspace: string;
  readonly vscode: VsCodeSession;
  close(): Promise<void>;
}

/** Starts the stack; `files` are workspace-relative paths and their text; `settings` are VS Code's user settings. */
export async function startScriptedWorkbench(install: CodeServerInstall, options: {
  readonly prefix: string;
  readonly files: Readonly<Record<string, string>>;
  readonly settings: Readonly<Record<string, unknown>>;
}): Promise<ScriptedWorkbench> {
  const dir = await mkdtemp(join(tmpdir(), options.prefix));
  const workspace = join(dir, 'work');
  let upstream: TestServer | undefined;
  let app: MountedApp | undefined;
  let vscode: VsCodeSession | undefined;
  const close = async (): Promise<void> => {
    try {
      await vscode?.close();
    } finally {
      await app?.release();
      await upstream?.server.close();
      await rm(dir, { recursive: true, force: true });
    }
  };
  try {
    for (const [path, text] of Object.entries(options.files)) {
      await mkdir(dirname(join(workspace, path)), { recursive: true });
      await writeFile(join(workspace, path), text);
    }
    const env = { XDG_RUNTIME_DIR: join(dir, 'run'), SPARK_DATA_DIR: join(dir, 'data') };
    upstream = await startTestServer({ engineOptions: { script: vscodeScript, contextSize: 1_000_000 } });
    app = await mountApp({ server: upstream.server, workspace, env: { ...process.env, ...env } });
    vscode = await startCodeServer(install, { workspace, env, settings: options.settings });
    return { workspace, vscode, close };
  } catch (error) {
    await close();
    throw error;
  }
}
