import type { CreateResponseBody } from '@spark/protocol';

/** Longest selection Edit Selection sends; a bigger one is a file rewrite, not a selection edit. */
export const MAX_EDIT_SELECTION_CHARS = 200_000;
/** Longest instruction accepted from the input box. */
export const MAX_EDIT_INSTRUCTION_CHARS = 4_000;

/** Instructions of a selection rewrite: the reply is the new selection and nothing else. */
export const EDIT_SELECTION_INSTRUCTIONS = [
  'You rewrite a selection of code as the user instructs.',
  'The selection is between <selection> tags, the instruction between <instruction> tags.',
  'Reply with the rewritten selection only: no explanations, no code fences,',
  'every line the instruction does not concern exactly as it was, the same indentation.',
].join(' ');

export interface EditSelectionInput {
  readonly model: string;
  readonly selection: string;
  readonly instruction: string;
  /** The file's language id and path, hints for the model. */
  readonly languageId?: string;
  readonly path?: string;
  /** Send the selection as `prediction` (default true; false is the benchmark's baseline). */
  readonly predict?: boolean;
}

/**
 * The create-response body of Edit Selection: the selection is in the prompt and, as
 * `prediction`, the draft speculative decoding verifies, so unchanged lines cost a batch, not a
 * token each. Greedy, streamed, unstored.
 */
export function editSelectionRequest(input: EditSelectionInput): CreateResponseBody {
  if (input.selection.length > MAX_EDIT_SELECTION_CHARS) throw new RangeError(`The selection is longer than ${MAX_EDIT_SELECTION_CHARS} characters.`);
  if (input.instruction.trim() === '') throw new RangeError('The instruction is empty.');
  if (input.instruction.length > MAX_EDIT_INSTRUCTION_CHARS) throw new RangeError(`The instruction is longer than ${MAX_EDIT_INSTRUCTION_CHARS} characters.`);
  const attributes = [
    input.path === undefined ? '' : ` path="${attribute(input.path)}"`,
    input.languageId === undefined ? '' : ` language="${attribute(input.languageId)}"`,
  ].join('');
  return {
    model: input.model,
    instructions: EDIT_SELECTION_INSTRUCTIONS,
    input: `<selection${attributes}>\n${input.selection}\n</selection>\n<instruction>\n${input.instruction.trim()}\n</instruction>`,
    ...(input.predict === false ? {} : { prediction: { type: 'content', content: input.selection } }),
    temperature: 0,
    stream: true,
    store: false,
  };
}

/**
 * The model's reply as the new selection: a code fence some models add anyway is taken off, and
 * the selection's trailing newline kept or dropped to match the original.
 */
export function rewrittenSelection(original: string, reply: string): string {
  let text = reply;
  const fenced = /^```[^\n]*\n([\s\S]*?)\n?```\s*$/.exec(text.trimStart());
  if (fenced?.[1] !== undefined) text = fenced[1];
  const endsWithNewline = original.endsWith('\n');
  if (endsWithNewline && !text.endsWith('\n')) return `${text}\n`;
  if (!endsWithNewline && text.endsWith('\n')) return text.replace(/\r?\n$/, '');
  return text;
}

function attribute(value: string): string {
  return value.replace(/["\n\r<>]/g, '');
}
