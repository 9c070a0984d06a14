import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import sqlite from 'node-sqlite3-wasm';
import type { ResponseObject } from '@spark/protocol';
import { parseContextItems, type ContextItem } from './context-item.js';
import { pageItems } from './page-items.js';
import type { InputItemsPage, InputItemsQuery, ResponseStore, StoredResponse } from './response-store.js';

/** Bumped when the table layout changes. */
const SCHEMA_VERSION = 1;

/** `${XDG_DATA_HOME:-~/.local/share}/spark/responses.db`. */
export function defaultDbPath(env: NodeJS.ProcessEnv = process.env): string {
  const dataHome = env['XDG_DATA_HOME'] || join(homedir(), '.local', 'share');
  return join(dataHome, 'spark', 'responses.db');
}

/**
 * Stored responses in an embedded SQLite file (node-sqlite3-wasm: no native build). Each row
 * holds the response and its full resolved input as JSON; `response_items` indexes every item
 * id for `item_reference`. Calls are synchronous under the hood and brief.
 */
export class SqliteResponseStore implements ResponseStore {
  private readonly db: InstanceType<typeof sqlite.Database>;

  /** Opens (creating when needed) the database at `path`; ':memory:' keeps it in memory. */
  constructor(path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new sqlite.Database(path);
    try {
      this.migrate();
    } catch (error) {
      this.db.close();
      throw error;
    }
  }

  private migrate(): void {
    const row = this.db.get('PRAGMA user_version');
    const version = Number(row?.['user_version'] ?? 0);
    if (version > SCHEMA_VERSION) throw new Error(`The response store was written by a newer Spark (schema ${version}).`);
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS responses (
        id TEXT PRIMARY KEY,
        created_at INTEGER NOT NULL,
        response TEXT NOT NULL,
        input_items TEXT NOT NULL
      );
      CREATE TABLE IF NOT EXISTS response_items (
        item_id TEXT NOT NULL,
        response_id TEXT NOT NULL,
        PRIMARY KEY (item_id, response_id)
      ) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS response_items_by_response ON response_items (response_id);
      PRAGMA user_version = ${SCHEMA_VERSION};
    `);
  }

  async get(id: string): Promise<StoredResponse | undefined> {
    const row = this.db.get('SELECT response, input_items FROM responses WHERE id = ?', [id]);
    if (!row) return undefined;
    return { response: parseResponse(row['response']), inputItems: parseContextItems(parseJson(row['input_items'])) };
  }

  async put(stored: StoredResponse): Promise<void> {
    const { response, inputItems } = stored;
    const itemIds = new Set<string>([...inputItems.map((item) => item.id), ...response.output.map((item) => item.id)]);
    this.db.exec('BEGIN');
    try {
      this.db.run('INSERT OR REPLACE INTO responses (id, created_at, response, input_items) VALUES (?, ?, ?, ?)', [
        response.id, response.created_at, JSON.stringify(response), JSON.stringify(inputItems),
      ]);
      this.db.run('DELETE FROM response_items WHERE response_id = ?', [response.id]);
      const insert = this.db.prepare('INSERT OR IGNORE INTO response_items (item_id, response_id) VALUES (?, ?)');
      try {
        for (const itemId of itemIds) insert.run([itemId, response.id]);
      } finally {
        insert.finalize();
      }
      this.db.exec('COMMIT');
    } catch (error) {
      this.db.exec('ROLLBACK');
      throw error;
    }
  }

  async delete(id: string): Promise<boolean> {
    this.db.exec('BEGIN');
    try {
      const result = this.db.run('DELETE FROM responses WHERE id = ?', [id]);
      this.db.run('DELETE FROM response_items WHERE response_id = ?', [id]);
      this.db.exec('COMMIT');
      return result.changes > 0;
    } catch (error) {
      this.db.exec('ROLLBACK');
      throw error;
    }
  }

  async listInputItems(id: string, query: InputItemsQuery): Promise<InputItemsPage | undefined> {
    const row = this.db.get('SELECT input_items FROM responses WHERE id = ?', [id]);
    if (!row) return undefined;
    return pageItems(parseContextItems(parseJson(row['input_items'])), query);
  }

  async getItem(itemId: string): Promise<ContextItem | undefined> {
    const rows = this.db.all('SELECT response_id FROM response_items WHERE item_id = ? LIMIT 8', [itemId]);
    for (const row of rows) {
      const responseId = row['response_id'];
      if (typeof responseId !== 'string') continue;
      const stored = await this.get(responseId);
      const found = stored?.response.output.find((item) => item.id === itemId) ?? stored?.inputItems.find((item) => item.id === itemId);
      if (found) return found;
    }
    return undefined;
  }

  async close(): Promise<void> {
    if (this.db.isOpen) this.db.close();
  }
}

function parseJson(value: unknown): unknown {
  if (typeof value !== 'string') throw new Error('A stored response column is not text.');
  return JSON.parse(value) as unknown;
}

/** Stored responses were written by this server; check the shape the routes rely on. */
function parseResponse(value: unknown): ResponseObject {
  const parsed = parseJson(value);
  if (typeof parsed !== 'object' || parsed === null) throw new Error('A stored response is not an object.');
  const record = parsed as Record<string, unknown>;
  if (record['object'] !== 'response' || typeof record['id'] !== 'string' || !Array.isArray(record['output'])) {
    throw new Error('A stored response lacks its id, object or output.');
  }
  return parsed as ResponseObject;
}
