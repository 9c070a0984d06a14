import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ChatMLChatWrapper, type ChatHistoryItem, type ChatModelFunctions } from 'node-llama-cpp';
import { withFunctionDocsAfterFirstSystem } from './function-docs-after-first-system.js';

const functions: ChatModelFunctions = { read_file: { description: 'Read a file', params: { type: 'object', properties: { path: { type: 'string' } } } } };
const render = (wrapper: ChatMLChatWrapper, history: ChatHistoryItem[]): string =>
  wrapper.generateContextState({ chatHistory: history, availableFunctions: functions, documentFunctionParams: true }).contextText.toString();
const commonPrefix = (a: string, b: string): number => { let i = 0; while (i < a.length && a[i] === b[i]) i++; return i; };

describe('withFunctionDocsAfterFirstSystem', () => {
  it('keeps a warm-up with the first system message a prefix of the turn that adds more', () => {
    const wrapper = withFunctionDocsAfterFirstSystem(new ChatMLChatWrapper());
    const warm = render(wrapper, [{ type: 'system', text: 'You are Codex.' }, { type: 'model', response: [] }]);
    const turn = render(wrapper, [{ type: 'system', text: 'You are Codex.' }, { type: 'system', text: '<skills>none</skills>' }, { type: 'user', text: 'hi' }, { type: 'model', response: [] }]);
    const docsEnd = warm.indexOf('<|im_end|>');
    assert.ok(warm.includes('read_file') && docsEnd > warm.indexOf('read_file'));
    assert.ok(commonPrefix(warm, turn) >= docsEnd, 'system prompt and tool docs are shared');
    assert.ok(turn.indexOf('read_file') < turn.indexOf('<skills>'));
  });

  it('matches the stock placement when there is one system message, and leaves overriding wrappers alone', () => {
    const stock = new ChatMLChatWrapper();
    const history: ChatHistoryItem[] = [{ type: 'system', text: 'Sys.' }, { type: 'user', text: 'hi' }, { type: 'model', response: [] }];
    assert.equal(render(withFunctionDocsAfterFirstSystem(stock), history), render(stock, history));
    class OwnPlacement extends ChatMLChatWrapper {
      override addAvailableFunctionsSystemMessageToHistory(h: readonly ChatHistoryItem[]): readonly ChatHistoryItem[] { return h; }
    }
    const own = new OwnPlacement();
    assert.equal(withFunctionDocsAfterFirstSystem(own), own);
  });
});
