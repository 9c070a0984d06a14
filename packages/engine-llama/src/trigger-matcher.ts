/** A text the generation watches for, tagged with what finding it means. */
export interface Trigger<Kind> {
  readonly text: string;
  readonly kind: Kind;
}

export interface TriggerMatch<Kind> {
  readonly trigger: Trigger<Kind>;
  /** Text that followed the trigger inside the same push; not emitted. */
  readonly after: string;
}

export interface TriggerPushResult<Kind> {
  /** Text that can no longer be part of a trigger: safe to stream. */
  readonly emit: string;
  readonly match?: TriggerMatch<Kind>;
}

/**
 * Streams text while watching for triggers (stop texts, tool-call prefixes). Text that might be
 * the start of a trigger is held back until the next push settles it, so a trigger never leaks
 * into streamed output; `flush()` releases what is held when the stream ends.
 */
export class TriggerMatcher<Kind> {
  private readonly triggers: readonly Trigger<Kind>[];
  private pending = '';

  constructor(triggers: readonly Trigger<Kind>[]) {
    this.triggers = triggers.filter((trigger) => trigger.text.length > 0);
  }

  /** Text currently held back. */
  get held(): string {
    return this.pending;
  }

  push(text: string): TriggerPushResult<Kind> {
    const buffer = this.pending + text;
    const found = this.earliestMatch(buffer);
    if (found) {
      this.pending = '';
      return {
        emit: buffer.slice(0, found.index),
        match: { trigger: found.trigger, after: buffer.slice(found.index + found.trigger.text.length) },
      };
    }
    const hold = this.longestPartialSuffix(buffer);
    this.pending = buffer.slice(buffer.length - hold);
    return { emit: buffer.slice(0, buffer.length - hold) };
  }

  /** Releases the held text (the stream ended without completing a trigger). */
  flush(): string {
    const text = this.pending;
    this.pending = '';
    return text;
  }

  /** Earliest trigger occurrence; at equal positions the longest trigger wins. */
  private earliestMatch(buffer: string): { index: number; trigger: Trigger<Kind> } | undefined {
    let best: { index: number; trigger: Trigger<Kind> } | undefined;
    for (const trigger of this.triggers) {
      const index = buffer.indexOf(trigger.text);
      if (index < 0) continue;
      if (!best || index < best.index || (index === best.index && trigger.text.length > best.trigger.text.length)) {
        best = { index, trigger };
      }
    }
    return best;
  }

  /** Length of the longest suffix of `buffer` that is a proper prefix of some trigger. */
  private longestPartialSuffix(buffer: string): number {
    let longest = 0;
    for (const trigger of this.triggers) {
      const max = Math.min(trigger.text.length - 1, buffer.length);
      for (let length = max; length > longest; length--) {
        if (buffer.endsWith(trigger.text.slice(0, length))) {
          longest = length;
          break;
        }
      }
    }
    return longest;
  }
}
