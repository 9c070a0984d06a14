// Test support: a Responses connection that records every request it sends, then sends it.
import type { ClientEvent, CreateParams, ModelEntry, ResponsesConnection, StreamOptions } from '@spark/client';
import type { InputItem } from '@spark/protocol';

/** Wraps `inner`; `sent` holds every request's params in the order they went out. */
export class RecordingConnection implements ResponsesConnection {
  readonly sent: CreateParams[] = [];

  constructor(private readonly inner: ResponsesConnection) {}

  get kind(): ResponsesConnection['kind'] {
    return this.inner.kind;
  }

  get connectionEpoch(): number {
    return this.inner.connectionEpoch;
  }

  stream(params: CreateParams, options?: StreamOptions): AsyncIterable<ClientEvent> {
    this.sent.push(params);
    return this.inner.stream(params, options);
  }

  steer(responseId: string, input: string | InputItem[]): void {
    this.inner.steer(responseId, input);
  }

  listModels(options?: StreamOptions): Promise<ModelEntry[]> {
    return this.inner.listModels(options);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
