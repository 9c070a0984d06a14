// The packaged extension in a real VS Code (code-server in headless Chromium) on SmolLM2: no host
// runs for the workspace, so the extension starts the repo's `spark serve --model smollm2-135m`
// itself (spark.command), then the chat streams a real answer and Edit Selection's accepted
// rewrite reaches the disk. What the model writes is its own; the test asserts that it arrived.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { findCodeServer, SPARK_CLI, startCodeServer, VSCODE_WAIT_MS, type VsCodeSession } from '../testing/code-server.js';
import { lastAnswer, openFile, selectLines, waitForRewrite } from '../testing/workbench.js';
import { MATH_FILE } from '../testing/vscode-script.js';

const MODEL = 'smollm2-135m';
/** Starting the host (loading the model) and a first answer on two cores take longer than a page change. */
const MODEL_WAIT_MS = 180_000;

const install = findCodeServer();

void describe(`the extension in code-server, on ${MODEL}`, { skip: typeof install === 'string' ? install : false }, () => {
  let dir: string;
  let workspace: string;
  let vscode: VsCodeSession;

  before(async () => {
    if (typeof install === 'string') return;
    dir = await mkdtemp(join(tmpdir(), 'spark-vscode-model-'));
    workspace = join(dir, 'work');
    await mkdir(join(workspace, 'src'), { recursive: true });
    await writeFile(join(workspace, 'src', 'math.ts'), MATH_FILE);
    const env = { XDG_RUNTIME_DIR: join(dir, 'run'), SPARK_DATA_DIR: join(dir, 'data') };
    vscode = await startCodeServer(install, { workspace, env, settings: { 'spark.command': SPARK_CLI, 'spark.model': MODEL } });
  });

  after(async () => {
    try {
      await vscode?.close();
    } finally {
      if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    }
  });

  void it('starts the host, streams an answer, and Esc stops it', async () => {
    await vscode.runCommand('Spark: Open Chat');
    const chat = vscode.chatFrame();
    await chat.getByTestId('connection').filter({ hasText: 'open' }).waitFor({ timeout: MODEL_WAIT_MS });
    await chat.getByTestId('composer').fill('Write a long story about a lighthouse keeper.');
    await chat.getByTestId('composer').press('Enter');
    const deadline = Date.now() + MODEL_WAIT_MS;
    let answer = await lastAnswer(chat);
    while (!(answer.streaming && answer.tokens >= 3)) {
      if (Date.now() > deadline) throw new Error(`no streaming answer: ${JSON.stringify(answer).slice(0, 300)}\n${vscode.log().slice(-2000)}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
      answer = await lastAnswer(chat);
    }
    await vscode.screenshot('model-chat-streaming');
    await chat.getByTestId('composer').press('Escape');
    await chat.getByTestId('stop').waitFor({ state: 'detached', timeout: VSCODE_WAIT_MS });
    const stopped = await lastAnswer(chat);
    assert.equal(stopped.streaming, false);
    assert.ok(stopped.text.startsWith(answer.text.slice(0, 20)), 'the partial answer stays');
  });

  void it('Edit Selection with Accept changes the file on disk', async () => {
    const path = join(workspace, 'src', 'math.ts');
    await openFile(vscode, 'src/math.ts');
    await selectLines(vscode, 0, 3);
    await vscode.runCommand('Spark: Edit Selection');
    await vscode.answerInput('Rename the function sum to add.');
    await waitForRewrite(vscode, undefined, MODEL_WAIT_MS);
    await vscode.screenshot('model-edit-diff');
    await vscode.runCommand('Spark: Accept All Changes');
    await vscode.page.locator('.monaco-diff-editor').waitFor({ state: 'detached', timeout: VSCODE_WAIT_MS });
    await vscode.runCommand('File: Save');
    const deadline = Date.now() + VSCODE_WAIT_MS;
    let text = await readFile(path, 'utf8');
    while (text === MATH_FILE && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      text = await readFile(path, 'utf8');
    }
    assert.notEqual(text, MATH_FILE, 'the accepted rewrite is on disk');
  });
});
