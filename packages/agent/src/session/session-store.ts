import { randomBytes } from 'node:crypto';
import { appendFile, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { BackgroundAgentInfo } from '@spark/protocol';
import type { HistoryItem } from '../history/history-item.js';
import { parseSessionRecord, type SessionMeta, type SessionRecord, type SessionSnapshotFile } from './session-records.js';

/** Where sessions live unless told: `${SPARK_DATA_DIR:-${XDG_DATA_HOME:-~/.local/share}/spark}/sessions`. */
export function defaultSessionDir(env: NodeJS.ProcessEnv = process.env): string {
  const data = env['SPARK_DATA_DIR'] ?? join(env['XDG_DATA_HOME'] ?? join(homedir(), '.local', 'share'), 'spark');
  return join(data, 'sessions');
}

/** An applied patch that can still be undone. */
export interface UndoEntry {
  call_id: string;
  files: SessionSnapshotFile[];
}

/** A session rebuilt from its records. */
export interface SessionState {
  meta: SessionMeta;
  /** The model the session last ran on: the header's, or the last `/model` switch's. */
  model: string;
  history: HistoryItem[];
  undo: UndoEntry[];
  turns: number;
  /** Background agents (dual mode) as last recorded, oldest first. */
  background: BackgroundAgentInfo[];
}

export class SessionError extends Error {
  constructor(readonly code: 'session_not_found' | 'session_corrupt' | 'invalid_turn', message: string) {
    super(message);
    this.name = 'SessionError';
  }
}

/**
 * One session as an append-only JSONL file: each record is written as it happens, so a crash
 * loses at most the record being written, and resume replays the file.
 */
export class Session {
  private writes: Promise<void> = Promise.resolve();

  private constructor(readonly file: string, readonly meta: SessionMeta) {}

  get id(): string {
    return this.meta.id;
  }

  static async create(dir: string, meta: Omit<SessionMeta, 'id' | 'created_at' | 'version'>): Promise<Session> {
    await mkdir(dir, { recursive: true });
    const full: SessionMeta = { version: 1, id: newSessionId(), created_at: new Date().toISOString(), ...meta };
    const session = new Session(join(dir, `${full.id}.jsonl`), full);
    await writeFile(session.file, `${JSON.stringify({ type: 'session', ...full } satisfies SessionRecord)}\n`, { flag: 'wx' });
    return session;
  }

  /** Opens a session by id, or the most recently written one for 'last' (in `workspace` when given). */
  static async open(dir: string, idOrLast: string, workspace?: string): Promise<{ session: Session; state: SessionState }> {
    const id = idOrLast === 'last' ? await latestSessionId(dir, workspace) : idOrLast;
    if (id === undefined) throw new SessionError('session_not_found', `No saved session${workspace === undefined ? '' : ` for ${workspace}`} in ${dir}.`);
    if (!/^[A-Za-z0-9_-]+$/.test(id)) throw new SessionError('session_not_found', `'${id}' is not a session id.`);
    const file = join(dir, `${id}.jsonl`);
    const state = await replaySessionFile(file);
    return { session: new Session(file, state.meta), state };
  }

  /** A new session holding `source`'s state as it was when turn `afterTurn` ended (all of it by default). */
  static async fork(dir: string, sourceId: string, afterTurn?: number): Promise<{ session: Session; state: SessionState }> {
    const file = join(dir, `${sourceId}.jsonl`);
    const full = await replaySessionFile(file);
    const turn = afterTurn ?? full.turns;
    if (!Number.isInteger(turn) || turn < 0 || turn > full.turns) {
      throw new SessionError('invalid_turn', `Session ${sourceId} has turns 0..${full.turns}; cannot fork after turn ${turn}.`);
    }
    const state = await replaySessionFile(file, turn);
    const session = await Session.create(dir, {
      workspace: state.meta.workspace, model: state.model, forked_from: { id: sourceId, turn },
    });
    await session.append({ type: 'history', reason: 'fork', items: state.history, turns: state.turns });
    for (const entry of state.undo) await session.append({ type: 'patch', call_id: entry.call_id, files: entry.files });
    await session.flush();
    return { session, state: { ...state, meta: session.meta } };
  }

  /** Queues a record; writes stay in order. Errors surface on `flush()`. */
  append(record: SessionRecord): Promise<void> {
    const line = `${JSON.stringify(record)}\n`;
    this.writes = this.writes.then(() => appendFile(this.file, line, 'utf8'));
    return this.writes;
  }

  flush(): Promise<void> {
    return this.writes;
  }
}

/** Sessions newest first, with what a picker needs. */
export async function listSessions(dir: string): Promise<Array<{ id: string; workspace: string; model: string; created_at: string; updated_ms: number }>> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const out = [];
  for (const name of names.filter((n) => n.endsWith('.jsonl'))) {
    const file = join(dir, name);
    try {
      const [first] = (await readFile(file, 'utf8')).split('\n', 1);
      const record = parseSessionRecord(JSON.parse(first ?? '') as unknown);
      if (record?.type !== 'session') continue;
      out.push({ id: record.id, workspace: record.workspace, model: record.model, created_at: record.created_at, updated_ms: (await stat(file)).mtimeMs });
    } catch {
      // unreadable files are not sessions
    }
  }
  return out.sort((a, b) => b.updated_ms - a.updated_ms);
}

async function latestSessionId(dir: string, workspace: string | undefined): Promise<string | undefined> {
  const sessions = await listSessions(dir);
  return sessions.find((s) => workspace === undefined || s.workspace === workspace)?.id;
}

/** Replays a session file; with `untilTurn`, stops where turn `untilTurn + 1` began. */
export async function replaySessionFile(file: string, untilTurn?: number): Promise<SessionState> {
  let text;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new SessionError('session_not_found', `No session file ${file}.`);
  }
  const lines = text.split('\n');
  let meta: SessionMeta | undefined;
  let history: HistoryItem[] = [];
  let undo: UndoEntry[] = [];
  let turns = 0;
  let model: string | undefined;
  const background = new Map<string, BackgroundAgentInfo>();
  for (const [index, line] of lines.entries()) {
    if (line.trim() === '') continue;
    let record: SessionRecord | undefined;
    try {
      record = parseSessionRecord(JSON.parse(line) as unknown);
    } catch {
      record = undefined;
    }
    if (record === undefined) {
      // A torn last line (crash mid-write) is expected; anything else is corruption.
      if (index >= lines.length - 2) break;
      throw new SessionError('session_corrupt', `${file}: line ${index + 1} is not a session record.`);
    }
    switch (record.type) {
      case 'session': meta = record; model = record.model; break;
      case 'turn':
        if (untilTurn !== undefined && record.turn > untilTurn) return finish();
        turns = record.turn;
        break;
      case 'item': history.push(record.item); break;
      case 'history': history = [...record.items]; if (record.turns !== undefined) turns = record.turns; break;
      case 'patch': undo.push({ call_id: record.call_id, files: record.files }); break;
      case 'undo': undo = undo.filter((entry) => entry.call_id !== record.call_id); break;
      case 'background': background.set(record.info.agent_id, record.info); break;
      case 'model': model = record.model; break;
    }
  }
  return finish();

  function finish(): SessionState {
    if (meta === undefined) throw new SessionError('session_corrupt', `${file} has no session header.`);
    return { meta, model: model ?? meta.model, history, undo, turns, background: [...background.values()] };
  }
}

function newSessionId(): string {
  const now = new Date();
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}
