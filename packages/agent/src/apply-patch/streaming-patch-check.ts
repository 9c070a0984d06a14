import {
  applyHunks, fileLines, locateHunk, normalizePatchPath, PatchError, PatchStreamParser, type AgentEventBody, type ExcerptLimits, type Hunk,
  type PatchFileSystem, type PatchStreamPart,
} from '@spark/protocol';

/** The `patch.hunk` event a check produces. */
export type PatchHunkEvent = Extract<AgentEventBody, { type: 'patch.hunk' }>;

/** The file an `*** Update File` section edits, as read once when its header arrived. */
interface OpenSection {
  readonly path: string;
  readonly target: string;
  /** Undefined: the file does not exist (its first hunk fails). */
  readonly text: string | undefined;
  readonly lines: readonly string[];
  cursor: number;
  readonly hunks: Hunk[];
}

/**
 * Checks an apply_patch call while it streams: each add, delete and update hunk is matched
 * against the workspace (through `fs`, read only) as soon as `PatchStreamParser` reports it
 * complete, with `locateHunk`, the rules `applyPatch` applies. Earlier sections of the same
 * patch are staged in memory, so a later section sees what applying would. Stops at the first
 * failure; a patch that does not parse is left for the final apply to report.
 */
export class StreamingPatchCheck {
  private readonly parser = new PatchStreamParser();
  private readonly staged = new Map<string, string | undefined>();
  private section: OpenSection | undefined;
  private text = '';
  private over = false;
  /** The first failure, once one was found. */
  failure: PatchHunkEvent | undefined;

  constructor(
    readonly callId: string,
    private readonly fs: PatchFileSystem,
    private readonly excerpt?: ExcerptLimits,
  ) {}

  /** `*** End Patch` arrived: nothing more is to come, so stopping early gains nothing. */
  get ended(): boolean {
    return this.parser.ended;
  }

  /** The call's input so far. */
  get input(): string {
    return this.text;
  }

  /** Feeds a delta of the call's input; returns the checks it completed. */
  async push(delta: string): Promise<PatchHunkEvent[]> {
    this.text += delta;
    if (this.over) return [];
    return this.check(this.parser.push(delta));
  }

  /** The call's input is complete. */
  async end(): Promise<PatchHunkEvent[]> {
    if (this.over) return [];
    const events = await this.check(this.parser.end());
    this.over = true;
    return events;
  }

  private async check(parts: readonly PatchStreamPart[]): Promise<PatchHunkEvent[]> {
    const events: PatchHunkEvent[] = [];
    for (const part of parts) {
      if (this.over) break;
      try {
        const event = await this.checkPart(part);
        if (event === undefined) continue;
        events.push(event);
        if (!event.ok) {
          this.failure = event;
          this.over = true;
        }
      } catch (error) {
        if (!PatchError.is(error)) {
          // A read that failed for another reason is the final apply's to report.
          this.over = true;
          break;
        }
        const path = error.path ?? ('path' in part ? part.path : 'operation' in part ? part.operation.path : '');
        const event = this.failed(path, error.hunk ?? 0, error, [], '');
        events.push(event);
        this.failure = event;
        this.over = true;
      }
    }
    return events;
  }

  private async checkPart(part: PatchStreamPart): Promise<PatchHunkEvent | undefined> {
    switch (part.type) {
      case 'error':
        // Malformed: the final parse says so with the whole text in hand.
        this.over = true;
        return undefined;
      case 'end':
        this.closeSection();
        return undefined;
      case 'update': {
        this.closeSection();
        const path = normalizePatchPath(part.path);
        const text = await this.read(path);
        const target = part.moveTo === undefined ? path : normalizePatchPath(part.moveTo);
        this.section = { path, target, text, lines: text === undefined ? [] : fileLines(text), cursor: 0, hunks: [] };
        return undefined;
      }
      case 'hunk': {
        const section = this.section;
        if (section === undefined) return undefined;
        const index = part.index + 1;
        if (section.text === undefined) {
          const error = new PatchError('file_not_found', `Cannot update '${section.path}': the file does not exist`, { path: section.path, line: part.hunk.line });
          return this.failed(section.path, index, error, [], '');
        }
        const label = `'${section.path}', hunk ${index} (patch line ${part.hunk.line})`;
        const located = locateHunk(section.lines, part.hunk, section.cursor, { path: section.path, hunk: index, label }, this.excerpt);
        if (!located.ok) return this.failed(section.path, index, located.error, located.expected, located.excerpt);
        section.cursor = located.placement.next;
        section.hunks.push(part.hunk);
        return { type: 'patch.hunk', call_id: this.callId, path: section.path, hunk: index, ok: true };
      }
      case 'add': {
        this.closeSection();
        const path = normalizePatchPath(part.operation.path);
        if ((await this.read(path)) !== undefined) {
          const error = new PatchError('file_exists', `Cannot add '${path}': the file already exists. Use '*** Update File' to change it`, { path, line: part.operation.line });
          return this.failed(path, 0, error, [], '');
        }
        this.staged.set(path, part.operation.contents);
        return { type: 'patch.hunk', call_id: this.callId, path, hunk: 0, ok: true };
      }
      case 'delete': {
        this.closeSection();
        const path = normalizePatchPath(part.operation.path);
        if ((await this.read(path)) === undefined) {
          const error = new PatchError('file_not_found', `Cannot delete '${path}': the file does not exist`, { path, line: part.operation.line });
          return this.failed(path, 0, error, [], '');
        }
        this.staged.set(path, undefined);
        return { type: 'patch.hunk', call_id: this.callId, path, hunk: 0, ok: true };
      }
      default: {
        const never: never = part;
        throw new Error(`unknown part ${JSON.stringify(never)}`);
      }
    }
  }

  // Stages a finished section, so a later section of the same file sees the patched text.
  private closeSection(): void {
    const section = this.section;
    this.section = undefined;
    if (section?.text === undefined) return;
    if (section.target !== section.path) this.staged.set(section.path, undefined);
    this.staged.set(section.target, applyHunks(section.path, section.text, { hunks: section.hunks }, this.excerpt === undefined ? {} : { excerpt: this.excerpt }));
  }

  private async read(path: string): Promise<string | undefined> {
    if (this.staged.has(path)) return this.staged.get(path);
    return this.fs.read(path);
  }

  private failed(path: string, hunk: number, error: PatchError, expected: readonly string[], excerpt: string): PatchHunkEvent {
    return {
      type: 'patch.hunk', call_id: this.callId, path, hunk, ok: false, code: error.code, message: error.message,
      ...(expected.length === 0 ? {} : { expected: [...expected] }), ...(excerpt === '' ? {} : { excerpt }),
    };
  }
}

/**
 * The tool output that answers a call stopped at its first failed check: what did not match,
 * the file's real lines nearby (in the message), and that nothing of the patch was written.
 */
export function stoppedPatchOutput(failure: PatchHunkEvent): string {
  const expected = failure.expected ?? [];
  const lines = expected.length === 0 ? '' : `\nThe lines the hunk expects that are not in '${failure.path}' as written:\n${expected.map((line) => `  ${line}`).join('\n')}`;
  return [
    `Error (${failure.code ?? 'context_not_found'}): the harness stopped this apply_patch call while it streamed, at the first part that cannot apply; nothing of the patch was written.`,
    `${failure.message ?? ''}${lines}`,
    'Send the whole corrected patch again (all of it, including the parts before this one).',
  ].join('\n');
}
