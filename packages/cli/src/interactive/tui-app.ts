import { appendFileSync } from 'node:fs';
import { runTurns, type AgentEvent, type AgentHandle, type AgentOp, type ApprovalDecision, type ApprovalRequest } from '@spark/agent';
import { style } from '../tui/ansi.js';
import { renderApplyPatch } from '../tui/diff-renderer.js';
import { KeyParser, type KeyEvent } from '../tui/key-parser.js';
import { LineEditor } from '../tui/line-editor.js';
import { LiveRegion } from '../tui/live-region.js';
import { MarkdownRenderer } from '../tui/markdown-renderer.js';
import { formatStatusLine } from '../tui/status-line.js';
import { truncateAnsi } from '../tui/text-width.js';
import { BackgroundView, isBackgroundEvent } from './background-view.js';
import { LivePatchView } from './live-patch-view.js';

/** Lines of a tool's output shown under its call (the model sees all of it). */
export const TOOL_OUTPUT_PREVIEW_LINES = 4;

/** How often the background agents' lines redraw while one runs (their elapsed time moves). */
export const BACKGROUND_REDRAW_MS = 1000;

/** What the app needs from its host: the agent, and how to run slash commands. */
export interface TuiHost {
  agent(): AgentHandle;
  /** Resolves when the agent may start a turn (the warm-up finished). */
  ready(): Promise<void>;
  /** Model, engine and transport for the status line. */
  describe(): { model: string; engine: string; transport: string; sessionId: string | undefined };
  /** Runs `/name args`; returns lines to print, or 'exit'. May start a turn through `app.submit`. */
  command(name: string, args: string, app: TuiApp): Promise<string[] | 'exit'>;
}

export interface TuiIo {
  input: NodeJS.ReadableStream & { setRawMode?(mode: boolean): unknown; isTTY?: boolean };
  output: NodeJS.WritableStream & { columns?: number; rows?: number; on(event: 'resize', fn: () => void): unknown };
}

/** A pending approval the user answers with y / a / n (sent back as the `approval` op). */
interface PendingApproval {
  requestId: string;
  request: ApprovalRequest;
}

/**
 * The interactive terminal app: settled output (answer lines, tool calls, diffs) is committed to
 * scrollback once; the live region below holds the streaming tail, the queue, the input line and
 * the status line. Keys: Enter sends (or steers while the agent works), Tab queues, Esc stops.
 */
export class TuiApp {
  private readonly region: LiveRegion;
  private readonly keys = new KeyParser();
  private readonly editor = new LineEditor();
  private markdown = new MarkdownRenderer();
  /** apply_patch calls drawn as they stream. */
  private readonly livePatch = new LivePatchView();
  /** The streaming answer's unfinished last line (raw markdown). */
  private partial = '';
  private running = false;
  private activity = '';
  private approval: PendingApproval | undefined;
  /** Index of the queued message being edited in the input line. */
  private editingQueued: number | undefined;
  private lastStats: { ttftMs: number | null; tokensPerSecond: number | null } = { ttftMs: null, tokensPerSecond: null };
  private enterAt: number | undefined;
  private readonly trace = process.env['SPARK_TUI_TRACE'];
  private exitResolve: (() => void) | undefined;
  private closed = false;
  /** Attach mode: the thread whose every event is drawn, whoever started its turns (see `follow`). */
  private following: { agent: AgentHandle; events: AsyncIterator<AgentEvent> } | undefined;
  /** The background agents of the thread shown; `/agents` reads it. */
  readonly backgroundView = new BackgroundView();
  /** The subscription that feeds `backgroundView`, whether a turn runs or not. */
  private backgroundWatch: { agent: AgentHandle; events: AsyncIterator<AgentEvent> } | undefined;

  constructor(private readonly host: TuiHost, private readonly io: TuiIo) {
    this.region = new LiveRegion(io.output);
    // The live rows are built only when a frame is drawn, not on every token.
    this.region.setLiveRenderer((columns) => this.buildLive(columns));
    io.output.on('resize', () => {
      this.region.resize(io.output.columns ?? 80, io.output.rows ?? 24);
      this.paint();
    });
  }

  /** Runs until the user quits. */
  async run(banner: string[]): Promise<void> {
    const input = this.io.input;
    input.setRawMode?.(true);
    // Bracketed paste: a pasted newline must not send the message.
    this.io.output.write('\x1b[?2004h');
    const onData = (chunk: Buffer | string): void => { for (const event of this.keys.feed(chunk)) this.onKey(event); };
    input.on('data', onData);
    input.resume();
    this.print(banner);
    this.watchBackground();
    this.paint();
    const ticker = setInterval(() => { if (this.backgroundView.anyRunning) this.paint(); }, BACKGROUND_REDRAW_MS);
    try {
      await new Promise<void>((resolve) => { this.exitResolve = resolve; });
    } finally {
      clearInterval(ticker);
      this.closed = true;
      void this.backgroundWatch?.events.return?.();
      this.backgroundWatch = undefined;
      void this.following?.events.return?.();
      this.following = undefined;
      input.off('data', onData);
      input.setRawMode?.(false);
      input.pause();
      this.region.setLive([]);
      this.region.flush();
      this.region.close();
      this.io.output.write('\x1b[?2004l');
    }
  }

  /** Prints settled lines (used by commands too); nothing once the app has exited (a late background note). */
  print(lines: string[]): void {
    if (lines.length > 0 && !this.closed) this.region.commit(lines);
  }

  /** Starts a turn with `text` (what Enter does when idle; /init uses it too). */
  submit(text: string): void {
    this.print([style.bold(style.cyan('› ')) + text]);
    this.submitted = text;
    this.running = true;
    this.enterAt = performance.now();
    this.traceEvent('enter');
    this.activity = 'thinking';
    this.paint();
    const following = this.following;
    if (following !== undefined) {
      // The turn's events arrive through `follow`, as those of turns other clients start.
      following.agent.submit({ type: 'user_message', text }).catch((error: unknown) => {
        if (this.following !== following) return;
        if (this.submitted === text) this.submitted = undefined;
        this.running = following.agent.runningTurnId !== null;
        this.print([style.red(`error: ${error instanceof Error ? error.message : String(error)}`)]);
        this.paint();
      });
      return;
    }
    void this.host.ready().then(() => this.consume(runTurns(this.host.agent(), text)));
  }

  /**
   * Attach mode: draws every event of `agent`'s thread from now on, whoever started the turn (the
   * browser, another terminal): their message as a user line, then the answer as it streams, its
   * tool calls and approvals (answerable here too). `backlog`: the events of the running turn so
   * far, drawn first. A turn sent from here starts with the `user_message` op and arrives the same
   * way. Calling it again (another thread) stops following the previous one.
   */
  follow(agent: AgentHandle, backlog: readonly AgentEvent[] = []): void {
    const previous = this.following;
    this.flushPartial();
    const following = { agent, events: agent.events()[Symbol.asyncIterator]() };
    this.following = following;
    if (previous !== undefined) void previous.events.return?.();
    this.running = false;
    this.activity = '';
    this.approval = undefined;
    this.editingQueued = undefined;
    this.submitted = undefined;
    for (const event of backlog) this.onFollowedEvent(event);
    this.watchBackground();
    this.running = agent.runningTurnId !== null;
    if (!this.running) this.activity = '';
    this.paint();
    void this.pump(following);
  }

  private async pump(following: { agent: AgentHandle; events: AsyncIterator<AgentEvent> }): Promise<void> {
    try {
      for (;;) {
        const next = await following.events.next();
        if (next.done === true || this.following !== following) return;
        this.onFollowedEvent(next.value);
      }
    } catch (error) {
      if (this.following !== following) return;
      this.flushPartial();
      this.running = false;
      this.activity = '';
      this.approval = undefined;
      this.print([style.red(`error: ${error instanceof Error ? error.message : String(error)}`)]);
      this.paint();
    }
  }

  /** One event of the followed thread: the turn's boundaries come from the thread, not from `runTurns`. */
  private onFollowedEvent(event: AgentEvent): void {
    switch (event.type) {
      case 'turn.started':
        if (this.submitted !== event.input) {
          // Another client's message (or a queued one, when a turn ran until now): the user's line.
          this.print([style.bold(style.cyan('› ')) + (this.running ? style.dim('(queued) ') : '') + event.input]);
          this.submitted = event.input;
        }
        this.running = true;
        break;
      case 'approval.decided':
        // Answered by another client (an answer given here cleared the question already).
        if (this.approval?.requestId === event.request_id) this.print([style.dim(`  (${VERDICTS[event.decision]} by another client)`)]);
        break;
      case 'patch.undone':
        this.print([style.green(`  ↶ undone: restored ${event.restored.join(', ')}`)]);
        break;
      case 'thread.idle':
        this.flushPartial();
        this.running = false;
        this.activity = '';
        this.submitted = undefined;
        this.paint();
        return;
      default:
        break;
    }
    this.onAgentEvent(event);
  }

  /** `/agents open <id>`: prints that background agent's stream from now on. */
  watchBackgroundAgent(id: string): string[] {
    return this.backgroundView.open(id);
  }

  stopWatchingBackground(): string[] {
    return this.backgroundView.close();
  }

  /**
   * Follows the `background.*` events of the agent shown now (again after /new, /resume, another
   * thread), from its snapshot on. Background agents report while no turn runs, so this reads
   * the thread on its own; an approval asked while idle (applying a background patch) is shown too.
   */
  private watchBackground(): void {
    const agent = this.host.agent();
    if (this.backgroundWatch?.agent === agent) return;
    void this.backgroundWatch?.events.return?.();
    const watch = { agent, events: agent.events()[Symbol.asyncIterator]() };
    this.backgroundWatch = watch;
    const snapshot = agent.snapshot();
    this.backgroundView.load(snapshot.background ?? [], snapshot.last_seq);
    void (async () => {
      try {
        for (;;) {
          const next = await watch.events.next();
          if (next.done === true || this.backgroundWatch !== watch) return;
          this.onWatchedEvent(next.value);
        }
      } catch {
        // The thread went away (a new session, a lost host): the next watch starts over.
        if (this.backgroundWatch === watch) this.backgroundWatch = undefined;
      }
    })();
  }

  private onWatchedEvent(event: AgentEvent): void {
    if (isBackgroundEvent(event)) {
      this.print(this.backgroundView.apply(event));
      this.paint();
      return;
    }
    if (this.running || this.following !== undefined) return;
    if (event.type === 'approval.requested') this.approval = { requestId: event.request_id, request: event.request };
    else if (event.type === 'approval.decided' && this.approval?.requestId === event.request_id) this.approval = undefined;
    else if (event.type === 'patch.applied') this.print([style.green(`  ⎿ patched ${event.changes.map((change) => `${change.kind} ${change.path}`).join(', ')}`)]);
    else return;
    this.paint();
  }

  /** Submits an op to the agent; a refusal is shown, not thrown. */
  private send(op: AgentOp): void {
    this.host.agent().submit(op).catch((error: unknown) => {
      this.print([style.red(`error: ${error instanceof Error ? error.message : String(error)}`)]);
      this.paint();
    });
  }

  private async consume(events: AsyncIterable<AgentEvent>): Promise<void> {
    try {
      for await (const event of events) this.onAgentEvent(event);
    } catch (error) {
      this.print([style.red(`error: ${error instanceof Error ? error.message : String(error)}`)]);
    } finally {
      this.flushPartial();
      this.running = false;
      this.activity = '';
      this.paint();
    }
  }

  private onAgentEvent(event: AgentEvent): void {
    switch (event.type) {
      case 'turn.started':
        this.markdown = new MarkdownRenderer();
        // Queued messages start their own turn: echo them like typed input.
        if (this.submitted !== event.input) this.print([style.bold(style.cyan('› ')) + style.dim('(queued) ') + event.input]);
        this.submitted = undefined;
        this.activity = 'thinking';
        break;
      case 'text.delta': {
        this.activity = '';
        // Most tokens end no line: append, and split only when one does (a long line stays O(token)).
        if (event.delta.includes('\n')) {
          const lines = (this.partial + event.delta).split('\n');
          this.partial = lines.pop() ?? '';
          this.print(lines.map((line) => this.markdown.renderLine(line)));
        } else {
          this.partial += event.delta;
        }
        if (this.enterAt !== undefined) {
          // The first character of an answer is drawn at once, not at the next frame.
          this.paint();
          this.region.flush();
          this.traceEvent('first_draw', { ms: performance.now() - this.enterAt });
          this.enterAt = undefined;
          return;
        }
        break;
      }
      case 'tool_input.delta':
        if (event.name === 'apply_patch') {
          this.activity = 'writing a patch';
          this.flushPartial();
          this.print(this.livePatch.delta(event.call_id, event.delta));
        } else {
          this.activity = 'writing a tool call';
        }
        break;
      case 'patch.hunk':
        this.print(this.livePatch.mark(event));
        break;
      case 'approval.requested':
        this.approval = { requestId: event.request_id, request: event.request };
        break;
      case 'approval.decided':
        // Decided elsewhere too (the turn was stopped, which denies): the question goes away.
        if (this.approval?.requestId === event.request_id) this.approval = undefined;
        break;
      case 'message':
        this.flushPartial();
        break;
      case 'tool_call':
        this.flushPartial();
        this.activity = `running ${event.name}`;
        // A patch drawn as it streamed gets its last lines; one that arrived whole is drawn now.
        if (event.name === 'apply_patch') this.print(this.livePatch.finish(event.call_id) ?? renderApplyPatch(event.input));
        else this.print([`${style.magenta('●')} ${style.bold(event.name)} ${style.dim(describeCall(event.input))}`]);
        break;
      case 'tool_result': {
        this.activity = 'thinking';
        if (event.name === 'apply_patch' && event.ok) break;
        const lines = event.output.split('\n');
        const shown = lines.slice(0, TOOL_OUTPUT_PREVIEW_LINES).map((line, index) => `${index === 0 ? '  ⎿ ' : '    '}${line}`);
        if (lines.length > TOOL_OUTPUT_PREVIEW_LINES) shown.push(`    … ${lines.length - TOOL_OUTPUT_PREVIEW_LINES} more lines`);
        this.print(shown.map((line) => (event.ok ? style.dim(line) : style.red(line))));
        break;
      }
      case 'patch.applied':
        this.print([style.green(`  ⎿ patched ${event.changes.map((change) => `${change.kind} ${change.path}`).join(', ')}`)]);
        break;
      case 'steer.applied':
        this.print([style.yellow(`  ↳ steered: ${event.text}`)]);
        break;
      case 'file.reread':
        this.print([style.dim(`  (${event.path} changed on disk; the model sees the new version)`)]);
        break;
      case 'compaction':
        this.print([style.dim(`  (context compacted by ${event.kind}: ~${event.tokens_before} → ~${event.tokens_after} tokens)`)]);
        break;
      case 'response.completed':
        this.print(this.livePatch.settle());
        this.lastStats = { ttftMs: event.stats.ttft_ms, tokensPerSecond: event.stats.tokens_per_second };
        this.traceEvent('response', { ttft_ms: event.stats.ttft_ms, output_tokens: event.stats.output_tokens });
        break;
      case 'warning':
        this.print([style.yellow(`warning: ${event.message}`)]);
        break;
      case 'error':
        this.print([style.red(`error [${event.code}]: ${event.message}`)]);
        break;
      case 'turn.completed':
        this.print(this.livePatch.finishAll());
        this.flushPartial();
        if (event.status === 'interrupted') this.print([style.yellow('■ interrupted')]);
        else if (event.status === 'max_steps') this.print([style.yellow(`■ stopped after ${event.steps} steps`)]);
        else if (event.status === 'repetition') this.print([style.yellow('■ stopped: the model repeated itself')]);
        this.traceEvent('turn_completed', { status: event.status, ...this.region.stats });
        break;
      default:
        break;
    }
    this.paint();
  }

  /** The text of the turn the user just sent (echoed already). */
  private submitted: string | undefined;

  private flushPartial(): void {
    if (this.partial === '') return;
    this.print([this.markdown.renderLine(this.partial)]);
    this.partial = '';
  }

  private onKey(event: KeyEvent): void {
    if (this.closed) return;
    if (this.approval !== undefined) {
      this.onApprovalKey(event, this.approval);
      return;
    }
    if (event.type === 'ctrl') {
      switch (event.key) {
        case 'c':
          if (this.running) this.send({ type: 'interrupt' });
          else if (this.editor.text !== '') this.editor.clear();
          else this.exitResolve?.();
          break;
        case 'd': if (!this.running && this.editor.text === '') this.exitResolve?.(); break;
        case 'a': this.editor.home(); break;
        case 'e': this.editor.end(); break;
        case 'u': this.editor.killToStart(); break;
        case 'k': this.editor.killToEnd(); break;
        case 'w': this.editor.deleteWordBack(); break;
        case 'x': this.removeEditedQueued(); break;
        case 's': this.promoteEditedQueued(); break;
        default: break;
      }
      this.paint();
      return;
    }
    if (event.type === 'char' || event.type === 'paste') {
      this.editor.insert(event.text);
      this.paint();
      return;
    }
    switch (event.name) {
      case 'escape':
        if (this.editingQueued !== undefined) { this.editingQueued = undefined; this.editor.clear(); }
        else if (this.backgroundView.watching !== undefined) this.print(this.backgroundView.close());
        else if (this.running) this.send({ type: 'interrupt' });
        break;
      case 'enter': this.onEnter(); break;
      case 'tab': {
        const text = this.editor.text.trim();
        if (this.running && text !== '' && this.editingQueued === undefined) {
          this.send({ type: 'queue', text });
          this.editor.clear();
        }
        break;
      }
      case 'up': this.selectQueued(-1); break;
      case 'down': this.selectQueued(1); break;
      case 'left': if (event.ctrl === true || event.meta === true) this.editor.wordLeft(); else this.editor.left(); break;
      case 'right': if (event.ctrl === true || event.meta === true) this.editor.wordRight(); else this.editor.right(); break;
      case 'home': this.editor.home(); break;
      case 'end': this.editor.end(); break;
      case 'backspace': this.editor.backspace(); break;
      case 'delete': this.editor.delete(); break;
      default: break;
    }
    this.paint();
  }

  private onEnter(): void {
    const text = this.editor.text.trim();
    if (this.editingQueued !== undefined) {
      // Saving an edited queued message (empty text removes it).
      this.send({ type: 'edit_queued', index: this.editingQueued, text: text === '' ? null : text });
      this.editingQueued = undefined;
      this.editor.clear();
      return;
    }
    if (text === '') return;
    this.editor.clear();
    if (this.running) {
      // Between turns (a queued one about to start) a steer waits in the queue.
      const how = this.host.agent().runningTurnId === null ? 'queued' : 'steering';
      this.send({ type: 'steer', text });
      this.print([style.yellow(`  ↳ ${how}: ${text}`)]);
      return;
    }
    if (text.startsWith('/')) {
      void this.runCommand(text);
      return;
    }
    this.submit(text);
  }

  private async runCommand(text: string): Promise<void> {
    const [name = '', ...rest] = text.slice(1).split(' ');
    try {
      const result = await this.host.command(name, rest.join(' ').trim(), this);
      if (result === 'exit') { this.exitResolve?.(); return; }
      this.print(result);
      // A command may have opened another session or thread.
      this.watchBackground();
    } catch (error) {
      this.print([style.red(`/${name}: ${error instanceof Error ? error.message : String(error)}`)]);
    }
    this.paint();
  }

  private selectQueued(direction: -1 | 1): void {
    const queued = this.host.agent().queuedMessages;
    if (queued.length === 0) return;
    if (this.editingQueued === undefined) {
      if (direction === 1 || this.editor.text !== '') return;
      this.editingQueued = queued.length - 1;
    } else {
      const next = this.editingQueued + direction;
      if (next < 0) return;
      if (next >= queued.length) { this.editingQueued = undefined; this.editor.clear(); return; }
      this.editingQueued = next;
    }
    this.editor.set(queued[this.editingQueued] ?? '');
  }

  private removeEditedQueued(): void {
    if (this.editingQueued === undefined) return;
    this.send({ type: 'edit_queued', index: this.editingQueued, text: null });
    this.editingQueued = undefined;
    this.editor.clear();
  }

  private promoteEditedQueued(): void {
    if (this.editingQueued === undefined) return;
    const text = this.editor.text.trim();
    this.send({ type: 'edit_queued', index: this.editingQueued, text: text === '' ? null : text });
    if (text !== '') {
      this.send({ type: 'promote_queued', index: this.editingQueued });
      this.print([style.yellow(`  ↳ steering: ${text}`)]);
    }
    this.editingQueued = undefined;
    this.editor.clear();
  }

  private onApprovalKey(event: KeyEvent, pending: PendingApproval): void {
    const key = event.type === 'char' ? event.text.toLowerCase() : event.type === 'key' ? event.name : event.type === 'ctrl' ? `ctrl-${event.key}` : '';
    const answer = (decision: ApprovalDecision): void => {
      this.approval = undefined;
      this.send({ type: 'approval', request_id: pending.requestId, decision });
      this.paint();
    };
    if (key === 'y' || key === 'enter') answer('approve');
    else if (key === 'a') answer('approve_session');
    else if (key === 'n' || key === 'escape') answer('deny');
    else if (key === 'ctrl-c') { answer('deny'); this.send({ type: 'interrupt' }); }
    else return;
    const verdict = VERDICTS[key === 'a' ? 'approve_session' : key === 'y' || key === 'enter' ? 'approve' : 'deny'];
    this.print([style.dim(`  (${verdict})`)]);
  }

  /** Marks the live region for redrawing at the next frame. */
  private paint(): void {
    if (!this.closed) this.region.invalidate();
  }

  private buildLive(columns: number): { rows: string[]; cursor: { row: number; col: number } } {
    const width = Math.max(20, columns);
    const rows: string[] = [];
    if (this.partial !== '') rows.push(this.markdown.previewLine(this.partial));
    rows.push(...this.livePatch.liveRows().map((row) => truncateAnsi(row, width)));
    if (this.running && this.activity !== '') rows.push(style.dim(`… ${this.activity}  (Esc to stop, Enter to steer, Tab to queue)`));
    const agent = this.host.agent();
    agent.queuedMessages.forEach((text, index) => {
      const marker = index === this.editingQueued ? style.inverse(' editing ') : style.dim(` queued ${index + 1} `);
      rows.push(truncateAnsi(`${marker} ${text}`, width));
    });
    rows.push(...this.backgroundView.liveRows(width));
    if (this.approval !== undefined) {
      const request = this.approval.request;
      const what = request.kind === 'shell' ? `run ${style.bold(request.command)}` : `apply a patch to ${style.bold(request.paths.join(', '))}`;
      rows.push(style.yellow(`Allow the agent to ${what}?`), style.dim(`  ${request.reason}`), `${style.bold('[y]')}es  ${style.bold('[a]')}lways this session  ${style.bold('[n]')}o`);
    }
    const prompt = this.editingQueued !== undefined ? style.inverse('edit› ') + ' ' : this.running ? style.yellow('steer› ') : style.cyan('› ');
    const input = this.editor.render(prompt, width);
    const inputTop = rows.length;
    rows.push(...input.rows);
    const info = this.host.describe();
    rows.push(formatStatusLine({
      model: info.model, engine: info.engine, transport: info.transport,
      ttftMs: this.lastStats.ttftMs, tokensPerSecond: this.lastStats.tokensPerSecond,
      contextTokens: agent.contextTokens, contextWindow: agent.contextWindow,
      ...(info.sessionId === undefined ? {} : { sessionId: info.sessionId }),
      state: this.approval !== undefined ? 'approval' : this.running ? 'working' : 'ready',
    }, width));
    return { rows, cursor: { row: inputTop + input.cursorRow, col: input.cursorCol } };
  }

  private traceEvent(event: string, extra: Record<string, unknown> = {}): void {
    if (this.trace === undefined || this.trace === '') return;
    appendFileSync(this.trace, `${JSON.stringify({ event, t: performance.now(), ...extra })}\n`);
  }

  /** Render counters, for the benchmark. */
  get renderStats(): { frames: number; bytesWritten: number; renderMs: number } {
    return this.region.stats;
  }
}

const VERDICTS: Record<ApprovalDecision, string> = { approve: 'approved', approve_session: 'approved for the session', deny: 'declined' };

function describeCall(input: string): string {
  try {
    const args = JSON.parse(input) as Record<string, unknown>;
    return Object.entries(args).filter(([, value]) => value !== '' && value !== 0 && value !== null).map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`).join(' ');
  } catch {
    return input.slice(0, 80);
  }
}
