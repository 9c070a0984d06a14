import { ChatWrapper, type ChatHistoryItem, type ChatModelFunctions } from 'node-llama-cpp';

/**
 * The wrapper, with function docs placed right after the first system message instead of after
 * every leading one. Agents (Codex) send their system prompt, then more developer messages; a
 * warm-up carries only the first. With the docs after all of them, the warm-up's prompt and the
 * real turn's diverged right after the system prompt (37 shared tokens of ~3.4k); with the docs
 * after the first, they share the system prompt and the tool docs. Wrappers that place docs their
 * own way (they override the method) are returned unchanged.
 */
export function withFunctionDocsAfterFirstSystem<W extends ChatWrapper>(wrapper: W): W {
  if (wrapper.addAvailableFunctionsSystemMessageToHistory !== ChatWrapper.prototype.addAvailableFunctionsSystemMessageToHistory) return wrapper;
  const patched = Object.create(wrapper) as W;
  patched.addAvailableFunctionsSystemMessageToHistory = function addDocs(
    this: W,
    history: readonly ChatHistoryItem[],
    availableFunctions?: ChatModelFunctions,
    options: { documentParams?: boolean } = {},
  ): readonly ChatHistoryItem[] {
    if (availableFunctions === undefined || Object.keys(availableFunctions).length === 0) return history;
    const docs: ChatHistoryItem = {
      type: 'system',
      text: this.generateAvailableFunctionsSystemText(availableFunctions, { documentParams: options.documentParams ?? true }).toJSON(),
    };
    const at = history[0]?.type === 'system' ? 1 : 0;
    return [...history.slice(0, at), docs, ...history.slice(at)];
  };
  return patched;
}
