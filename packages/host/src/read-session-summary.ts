import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { TITLE_SCAN_BYTES } from './host-limits.js';
import { threadTitle } from './thread-title.js';

/** What a thread list shows of a session on disk, read from the head of its file. */
export interface SessionSummary {
  id: string;
  workspace: string;
  model: string;
  created_at: string;
  forked_from?: { thread_id: string; turn: number };
  title: string;
}

const header = z.object({
  type: z.literal('session'), id: z.string(), workspace: z.string(), model: z.string(), created_at: z.string(),
  forked_from: z.object({ id: z.string(), turn: z.number().int() }).optional(),
});
const turn = z.object({ type: z.literal('turn'), input: z.string() });
const forkHistory = z.object({ type: z.literal('history'), items: z.array(z.looseObject({ type: z.string(), role: z.string().optional(), content: z.unknown() })) });

/** Session ids as the session store writes them; anything else is not looked up on disk. */
export function isSessionId(id: string): boolean {
  return /^[A-Za-z0-9_-]{1,128}$/.test(id);
}

/**
 * Reads a session file's header and its title (the first turn's input, or a forked session's
 * first user message) from at most `TITLE_SCAN_BYTES`; undefined when there is no such session
 * or the file is not one. Session files are untrusted input: each line is parsed by a schema.
 */
export async function readSessionSummary(dir: string, id: string): Promise<SessionSummary | undefined> {
  if (!isSessionId(id)) return undefined;
  let text: string;
  try {
    const file = await open(join(dir, `${id}.jsonl`), 'r');
    try {
      const buffer = Buffer.alloc(TITLE_SCAN_BYTES);
      const { bytesRead } = await file.read(buffer, 0, TITLE_SCAN_BYTES, 0);
      text = buffer.subarray(0, bytesRead).toString('utf8');
    } finally {
      await file.close();
    }
  } catch {
    return undefined;
  }
  const lines = text.split('\n');
  const meta = header.safeParse(parseLine(lines[0]));
  if (!meta.success || meta.data.id !== id) return undefined;
  const { forked_from: forkedFrom, type: _type, ...rest } = meta.data;
  return { ...rest, ...(forkedFrom === undefined ? {} : { forked_from: { thread_id: forkedFrom.id, turn: forkedFrom.turn } }), title: findTitle(lines.slice(1)) };
}

function findTitle(lines: readonly string[]): string {
  for (const line of lines) {
    const value = parseLine(line);
    const started = turn.safeParse(value);
    if (started.success) return threadTitle(started.data.input);
    const forked = forkHistory.safeParse(value);
    if (forked.success) {
      const first = forked.data.items.find((item) => item.type === 'message' && item.role === 'user' && typeof item.content === 'string');
      if (first !== undefined && typeof first.content === 'string') return threadTitle(first.content);
    }
  }
  return '';
}

function parseLine(line: string | undefined): unknown {
  if (line === undefined || line.trim() === '') return undefined;
  try {
    return JSON.parse(line) as unknown;
  } catch {
    return undefined;
  }
}
