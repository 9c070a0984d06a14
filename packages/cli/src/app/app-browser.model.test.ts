// The browser app on the real engine (SmolLM2): a question typed into the page streams its
// answer as the model writes it, and the status bar then shows the response's TTFT and tok/s.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { LlamaEngine, resolveModel } from '@spark/engine-llama';
import { startServer, type RunningServer } from '@spark/server';
import { APP_WAIT_MS, startAppFixture, type AppFixture } from '../testing/app-fixture.js';

const MODEL = 'smollm2-135m';
/** Long enough to see the answer grow over several frames, short for the model suite's two slow cores. */
const MAX_OUTPUT_TOKENS = 48;
/** The first answer waits for the agent's whole system prompt to prefill on a slow CPU. */
const MODEL_WAIT_MS = 4 * APP_WAIT_MS;

void describe('the browser app on SmolLM2', () => {
  let engine: LlamaEngine;
  let server: RunningServer;
  let fixture: AppFixture;

  before(async () => {
    const local = await resolveModel(MODEL, { pull: true });
    engine = await LlamaEngine.create({ models: [{ id: MODEL, path: local.path }], contextSize: 4096, sequences: 1 });
    server = await startServer({ engine, port: 0, dbPath: ':memory:', logger: { info: () => undefined, warn: () => undefined, error: () => undefined } });
    // No tool calls (they would wait for an approval) and a short answer.
    fixture = await startAppFixture(server, { agent: { requestOverrides: { max_output_tokens: MAX_OUTPUT_TOKENS, temperature: 0, tool_choice: 'none' } } });
  });
  after(async () => {
    await fixture?.close();
    await server?.close();
    await engine?.dispose();
  });

  void it('streams the answer into the page as it is generated, then shows TTFT and tok/s', async () => {
    const { page, errors, screenshot, close } = await fixture.openPage();
    try {
      await page.getByTestId('connection').filter({ hasText: 'open' }).waitFor({ timeout: APP_WAIT_MS });
      assert.equal(await page.getByTestId('status-model').innerText(), MODEL);
      const box = page.getByTestId('composer');
      await box.fill('What is a unit test? Answer in two sentences.');
      await box.press('Enter');
      // Text on the page while the answer is still streaming: drawn before the response completes.
      const streaming = page.locator('[data-testid="assistant-message"][data-streaming="true"] .markdown').filter({ hasText: /\S/ });
      await streaming.waitFor({ timeout: MODEL_WAIT_MS });
      await screenshot('model-streaming');
      await page.locator('[data-testid="assistant-message"][data-streaming="false"]').waitFor({ timeout: MODEL_WAIT_MS });
      await page.getByTestId('stop').waitFor({ state: 'detached', timeout: MODEL_WAIT_MS });
      const answer = (await page.getByTestId('assistant-message').last().locator('.markdown').innerText()).trim();
      assert.ok(answer.length > 0, 'the answer stays on the page');
      assert.match(await page.getByTestId('status-tps').innerText(), /^\d+(\.\d)? tok\/s$/);
      assert.match(await page.getByTestId('status-ttft').innerText(), /^TTFT \d+ ms$/);
      await screenshot('model-done');
      assert.deepEqual(errors, []);
    } finally {
      await close();
    }
  });
});
