import { BENCH_FUNCTION } from './editor-function.js';

/** Lines of the file the agent-edits bench edits (issue 23: "a 200-line file"). */
export const AGENT_EDITS_FILE_LINES = 200;
/** Where the bench's file lives in its workspace. */
export const AGENT_EDITS_PATH = 'src/orders.ts';
/** Unchanged lines around each change in the bench's patch (Codex's default). */
export const PATCH_CONTEXT_LINES = 3;

const HEADER = `import type { Order, SummaryOptions, OrderSummary, CustomerTotals, ReturnSummary } from './types.js';

/** The total of one order: its lines, shipping and discount. */
export function orderTotal(order: Order): number {
  const amount = order.lines.reduce((sum, line) => sum + line.unitPrice * line.quantity, 0);
  return amount + (order.shipping?.price ?? 0) - (order.discount ?? 0);
}

`;

/**
 * The bench's source file: exactly `AGENT_EDITS_FILE_LINES` lines of ordinary TypeScript (the
 * editor bench's function, a sibling with other names, so no context matches twice, and a header),
 * varied as real code is: a synthetic file of near-identical lines sends small models into loops.
 */
export function agentEditsFile(): string {
  const sibling = BENCH_FUNCTION
    .replaceAll('summarizeOrders', 'summarizeReturns').replaceAll('OrderSummary', 'ReturnSummary')
    .replaceAll('refunded', 'reversed').replaceAll('revenue', 'returned').replaceAll('byCustomer', 'perCustomer')
    .replaceAll('orders', 'returns').replaceAll('order', 'entry').replaceAll('largest', 'biggest')
    .replaceAll('warnings', 'notes').replaceAll('customers', 'clients').replaceAll('customer', 'client');
  const lines = `${HEADER}${BENCH_FUNCTION}\n${sibling}`.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const body = lines.slice(0, AGENT_EDITS_FILE_LINES - 1);
  return `${[...body, '// end of src/orders.ts'].join('\n')}\n`;
}

/** A rename inside a range of a file's lines: the bench's edit. */
export interface RenameEdit {
  from: string;
  to: string;
  /** 1-based inclusive line range the rename applies to (the first function only). */
  firstLine: number;
  lastLine: number;
}

/** The file with `edit` applied: what a correct patch produces. */
export function renamed(file: string, edit: RenameEdit): string {
  const lines = file.split('\n');
  return lines.map((line, index) => (index + 1 >= edit.firstLine && index + 1 <= edit.lastLine ? renameWord(line, edit.from, edit.to) : line)).join('\n');
}

function renameWord(line: string, from: string, to: string): string {
  return line.replace(new RegExp(`\\b${from.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`, 'g'), to);
}

/**
 * The apply_patch envelope that turns `before` into `after` (same line count, lines changed in
 * place), with `context` unchanged lines around each change and overlapping hunks merged: the
 * patch the bench asks the model to write, whose every line the model can copy from the prompt.
 */
export function rewritePatch(path: string, before: string, after: string, context = PATCH_CONTEXT_LINES): string {
  const old = before.split('\n');
  const now = after.split('\n');
  if (old.length !== now.length) throw new Error('rewritePatch handles in-place line changes only');
  const changed = old.flatMap((line, index) => (line === now[index] ? [] : [index]));
  const hunks: Array<{ start: number; end: number }> = [];
  for (const index of changed) {
    const last = hunks.at(-1);
    if (last !== undefined && index - context <= last.end + context) last.end = index;
    else hunks.push({ start: index, end: index });
  }
  const out = ['*** Begin Patch', `*** Update File: ${path}`];
  for (const hunk of hunks) {
    out.push('@@');
    const from = Math.max(0, hunk.start - context);
    const to = Math.min(old.length - 1, hunk.end + context);
    for (let index = from; index <= to; index += 1) {
      const a = old[index] ?? '';
      const b = now[index] ?? '';
      if (a === b) out.push(` ${a}`);
      else out.push(`-${a}`, `+${b}`);
    }
  }
  out.push('*** End Patch');
  return `${out.join('\n')}\n`;
}
