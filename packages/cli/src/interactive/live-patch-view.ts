import type { AgentEvent } from '@spark/agent';
import { style } from '../tui/ansi.js';
import { renderApplyPatch } from '../tui/diff-renderer.js';

/** Expected lines quoted under a hunk that does not match (the tool result holds them all). */
export const MAX_MARKED_LINES = 3;

type PatchHunkEvent = Extract<AgentEvent, { type: 'patch.hunk' }>;

interface FormingPatch {
  /** The last complete line, held back one line so a hunk's mark lands right after its body. */
  held: string | undefined;
  /** The unfinished line. */
  partial: string;
}

/**
 * An apply_patch call drawn as it streams: complete lines go to scrollback as a coloured diff,
 * the line being written shows in the live region, and each hunk's check (`patch.hunk`) is
 * marked where the hunk ends. A hunk is complete (and checked) when the line after it arrives,
 * so the last complete line is held back until the next one: the mark then follows the hunk body.
 */
export class LivePatchView {
  private readonly calls = new Map<string, FormingPatch>();

  /** Whether `callId` is being drawn here. */
  has(callId: string): boolean {
    return this.calls.has(callId);
  }

  /** A delta of the call's input; returns the lines to commit now. */
  delta(callId: string, delta: string): string[] {
    let call = this.calls.get(callId);
    if (call === undefined) {
      call = { held: undefined, partial: '' };
      this.calls.set(callId, call);
    }
    if (!delta.includes('\n')) {
      call.partial += delta;
      return [];
    }
    const lines = (call.partial + delta).split('\n');
    call.partial = lines.pop() ?? '';
    const out: string[] = [];
    for (const line of lines) {
      if (call.held !== undefined) out.push(render(call.held));
      call.held = line.endsWith('\r') ? line.slice(0, -1) : line;
    }
    return out;
  }

  /** A hunk's check: the line marking it. */
  mark(event: PatchHunkEvent): string[] {
    const what = event.hunk > 0 ? `${event.path} hunk ${event.hunk}` : event.path;
    if (event.ok) return [style.green(`  ✓ ${what} matches the file`)];
    const expected = event.expected ?? [];
    const shown = expected.slice(0, MAX_MARKED_LINES).map((line) => style.red(`      ${line}`));
    if (expected.length > MAX_MARKED_LINES) shown.push(style.red(`      … ${expected.length - MAX_MARKED_LINES} more`));
    const stopped = event.stopped === true ? ' (stopped: the model retries)' : '';
    const head = expected.length > 0 ? `  ✗ ${what} does not match the file${stopped}; not found:` : `  ✗ ${what}: ${event.code ?? 'cannot apply'}${stopped}`;
    return [style.red(head), ...shown];
  }

  /** The call ended: its remaining lines, or undefined when it was not drawn here. */
  finish(callId: string): string[] | undefined {
    const call = this.calls.get(callId);
    if (call === undefined) return undefined;
    this.calls.delete(callId);
    const rest = [...(call.held === undefined ? [] : [call.held]), ...(call.partial === '' ? [] : [call.partial])];
    return rest.map(render);
  }

  /** The response ended: every call's remaining lines, to scrollback; the calls stay known as drawn. */
  settle(): string[] {
    return [...this.calls.values()].flatMap((call) => {
      const rest = [...(call.held === undefined ? [] : [call.held]), ...(call.partial === '' ? [] : [call.partial])];
      call.held = undefined;
      call.partial = '';
      return rest.map(render);
    });
  }

  /** Every call still drawn (a turn that ended without them): their remaining lines. */
  finishAll(): string[] {
    return [...this.calls.keys()].flatMap((callId) => this.finish(callId) ?? []);
  }

  /** The live region's rows: the held line and the line being written. */
  liveRows(): string[] {
    return [...this.calls.values()].flatMap((call) => [
      ...(call.held === undefined ? [] : [render(call.held)]),
      ...(call.partial === '' ? [] : [render(call.partial)]),
    ]);
  }
}

function render(line: string): string {
  return renderApplyPatch(line)[0] ?? line;
}
