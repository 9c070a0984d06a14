import type { CreateResponseBody, ResponseStatus } from '@spark/protocol';
import type { KnownResponse } from '../responses-service.js';

/** A finished response as its WebSocket connection remembers it (spec §3.5), `store` or not. */
export interface RememberedResponse {
  id: string;
  /** Its lane; undefined = the default lane. */
  lane: string | undefined;
  status: ResponseStatus;
  /** Context, engine state and prompt key, for continuations. */
  known: KnownResponse;
  /** Its request settings, inherited by an automatic steering successor. */
  body: CreateResponseBody;
}

/**
 * The connection-local cache of finished responses, bounded and least-recently-used first out.
 * It dies with the socket.
 */
export class ConnectionMemory {
  private readonly entries = new Map<string, RememberedResponse>();

  constructor(private readonly capacity: number) {}

  /** The entry, marked as recently used. */
  get(id: string): RememberedResponse | undefined {
    const entry = this.entries.get(id);
    if (entry) {
      this.entries.delete(id);
      this.entries.set(id, entry);
    }
    return entry;
  }

  /** The entry without touching its recency. */
  peek(id: string): RememberedResponse | undefined {
    return this.entries.get(id);
  }

  remember(entry: RememberedResponse): void {
    this.entries.delete(entry.id);
    this.entries.set(entry.id, entry);
    while (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
    }
  }

  forget(id: string): void {
    this.entries.delete(id);
  }

  clear(): void {
    this.entries.clear();
  }
}
