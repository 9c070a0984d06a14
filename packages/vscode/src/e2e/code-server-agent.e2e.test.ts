// The packaged extension in code-server on the scripted engine, for what the chat's traffic does
// to the rest of the editor: the status bar's model and speed, the active selection offered as
// an `@` mention chip, and the agent's patch opened as a diff editor whose Undo restores the file.
// One code-server for the file, as in code-server.e2e.test.ts (the same kit, the same stack).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FrameLocator } from 'playwright-core';
import { GREET_AFTER, GREET_BEFORE } from '@spark/cli/dist/testing/app-script.js';
import { TEST_MODEL } from '@spark/server/testing';
import { findCodeServer, SPARK_CLI, VSCODE_WAIT_MS, type VsCodeSession } from '../testing/code-server.js';
import { startScriptedWorkbench, type ScriptedWorkbench } from '../testing/scripted-workbench.js';
import { openFile, selectLines, waitForDiskText } from '../testing/workbench.js';
import { MATH_FILE } from '../testing/vscode-script.js';

/** Tokens of the answer the status bar takes its speed from: long enough for a rate (10 ms each). */
const RATED_TOKENS = 40;

const install = findCodeServer();

void describe('the extension in code-server: status bar, mentions and patch diffs', { skip: typeof install === 'string' ? install : false }, () => {
  let stack: ScriptedWorkbench | undefined;
  let workspace: string;
  let vscode: VsCodeSession;
  let chat: FrameLocator;

  before(async () => {
    if (typeof install === 'string') return;
    // The host asks before a patch (its default mode): the test approves it in the chat, as a user does.
    stack = await startScriptedWorkbench(install, {
      prefix: 'spark-vscode-agent-e2e-', files: { 'src/math.ts': MATH_FILE, 'src/greet.ts': GREET_BEFORE },
      settings: { 'spark.command': SPARK_CLI, 'spark.patchDiffs': 'open' },
    });
    ({ workspace, vscode } = stack);
    await vscode.runCommand('Spark: Open Chat');
    chat = vscode.chatFrame();
    await chat.getByTestId('connection').filter({ hasText: 'open' }).waitFor({ timeout: VSCODE_WAIT_MS });
  });

  after(() => stack?.close());

  /** Asks the scripted agent for its patch and approves it in the chat's card. */
  async function approvedPatch(): Promise<void> {
    // The turn before may show its answer a moment before it ends, and Enter during a turn
    // steers it instead of starting one: wait until the chat is idle (no Stop button).
    await chat.getByTestId('stop').waitFor({ state: 'detached', timeout: VSCODE_WAIT_MS });
    await chat.getByTestId('composer').fill('patch');
    await chat.getByTestId('composer').press('Enter');
    const card = chat.locator('[data-testid="approval"][data-state="pending"]');
    await card.waitFor({ timeout: VSCODE_WAIT_MS });
    await card.getByTestId('approve').click();
  }

  void it('the status bar shows the model, then the speed of a chat answer; a click brings the chat back', () => vscode.capture('status-bar', async () => {
    const item = vscode.page.locator('.part.statusbar .statusbar-item', { hasText: /Spark/ });
    // The chat's hello names the host's model; no answer yet, so no speed.
    await item.filter({ hasText: TEST_MODEL }).waitFor({ timeout: VSCODE_WAIT_MS });
    assert.doesNotMatch(await item.innerText(), /tok\/s/);

    await chat.getByTestId('composer').fill(`stream ${RATED_TOKENS}`);
    await chat.getByTestId('composer').press('Enter');
    await chat.getByTestId('assistant-message').filter({ hasText: `w${RATED_TOKENS}` }).waitFor({ timeout: VSCODE_WAIT_MS });
    await item.filter({ hasText: /tok\/s/ }).waitFor({ timeout: VSCODE_WAIT_MS });
    assert.match(await item.innerText(), new RegExp(`Spark · ${TEST_MODEL} · \\d+(\\.\\d)? tok/s`));

    await vscode.runCommand('View: Toggle Secondary Side Bar Visibility');
    const bar = vscode.page.locator('.part.auxiliarybar');
    await bar.waitFor({ state: 'hidden', timeout: VSCODE_WAIT_MS });
    await item.click();
    await bar.waitFor({ state: 'visible', timeout: VSCODE_WAIT_MS });
    // The same chat, kept while hidden: the answer is still there.
    await chat.getByTestId('assistant-message').filter({ hasText: `w${RATED_TOKENS}` }).waitFor({ timeout: VSCODE_WAIT_MS });
  }));

  void it('offers the selected lines as an @ mention chip, which goes into the message', () => vscode.capture('mention', async () => {
    await openFile(vscode, 'src/math.ts');
    await selectLines(vscode, 0, 3);
    const chip = chat.getByTestId('mention').filter({ hasText: /^@src\/math\.ts:1-3$/ });
    await chip.waitFor({ timeout: VSCODE_WAIT_MS });
    // The file itself is offered beside its lines.
    await chat.getByTestId('mention').filter({ hasText: /^@src\/math\.ts$/ }).waitFor({ timeout: VSCODE_WAIT_MS });
    await vscode.screenshot('mention-chips');

    await chat.getByTestId('composer').fill('Explain');
    await chip.click();
    assert.equal(await chat.getByTestId('composer').inputValue(), 'Explain @src/math.ts:1-3 ');
    await chat.getByTestId('composer').press('Enter');
    // The scripted engine answers with the user message it was given.
    await chat.getByTestId('assistant-message').filter({ hasText: 'You said: Explain @src/math.ts:1-3' }).waitFor({ timeout: VSCODE_WAIT_MS });
  }));

  void it('opens the agent\'s patch as a diff editor, and its Undo restores the file', () => vscode.capture('patch', async () => {
    const file = join(workspace, 'src', 'greet.ts');
    await approvedPatch();

    const diff = vscode.page.locator('.monaco-diff-editor');
    await vscode.page.locator('.tab.active', { hasText: 'src/greet.ts (Spark patch)' }).waitFor({ timeout: VSCODE_WAIT_MS });
    await diff.locator('.editor.original .view-lines', { hasText: "return 'Hello, ' + name;" }).waitFor({ timeout: VSCODE_WAIT_MS });
    await diff.locator('.editor.modified .view-lines', { hasText: 'return `Hello, ${name}!`;' }).waitFor({ timeout: VSCODE_WAIT_MS });
    assert.equal(await waitForDiskText(file, GREET_AFTER), GREET_AFTER);
    await vscode.screenshot('patch-diff');

    await vscode.page.locator('.editor-actions .action-label[aria-label^="Undo the Agent"]').click();
    assert.equal(await waitForDiskText(file, GREET_BEFORE), GREET_BEFORE);
    await diff.waitFor({ state: 'detached', timeout: VSCODE_WAIT_MS });
    await chat.getByTestId('patch').filter({ hasText: 'Patch undone' }).waitFor({ timeout: VSCODE_WAIT_MS });
  }));

  void it('closes the diff when the patch is undone from the chat instead', () => vscode.capture('patch-chat-undo', async () => {
    const file = join(workspace, 'src', 'greet.ts');
    await approvedPatch();
    const diff = vscode.page.locator('.monaco-diff-editor');
    await diff.locator('.editor.modified .view-lines', { hasText: 'return `Hello, ${name}!`;' }).waitFor({ timeout: VSCODE_WAIT_MS });
    assert.equal(await waitForDiskText(file, GREET_AFTER), GREET_AFTER);

    await chat.getByTestId('patch').filter({ hasText: 'Patch applied' }).getByTestId('undo').click();
    assert.equal(await waitForDiskText(file, GREET_BEFORE), GREET_BEFORE);
    await diff.waitFor({ state: 'detached', timeout: VSCODE_WAIT_MS });
  }));
});
