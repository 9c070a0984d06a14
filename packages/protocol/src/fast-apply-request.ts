import type { CreateResponseBody } from './create-response-schema.js';

/** Instructions of a fast-apply request: the model rewrites the whole file with the edit merged in. */
export const FAST_APPLY_INSTRUCTIONS = [
  'You merge an edit into a file.',
  'The user sends the original file between <file> tags and an edit snippet between <edit> tags;',
  'the snippet may elide unchanged code with comments such as "// ... existing code ...".',
  'Reply with the complete updated file and nothing else: no explanations, no code fences,',
  'every unchanged line exactly as it was.',
].join(' ');

export interface FastApplyInput {
  model: string;
  /** The whole original file. */
  file: string;
  /** The edit to merge: a snippet of the new code, possibly with elisions. */
  edit: string;
  /** The file's path, shown to the model as a hint about the language. */
  path?: string;
}

/**
 * The create-response body of a fast apply: the original file is both in the prompt and the
 * `prediction`, so speculative decoding drafts every unchanged line and the model only really
 * generates around the edit. Greedy, unstored; the output text is the whole new file.
 */
export function fastApplyRequest(input: FastApplyInput): CreateResponseBody {
  const name = input.path === undefined ? '' : ` path="${input.path.replace(/["\n\r]/g, '')}"`;
  return {
    model: input.model,
    instructions: FAST_APPLY_INSTRUCTIONS,
    input: `<file${name}>\n${input.file}\n</file>\n<edit>\n${input.edit}\n</edit>`,
    prediction: { type: 'content', content: input.file },
    temperature: 0,
    store: false,
  };
}
