import type { ChatFinishReason, ChatUsage } from '@spark/protocol';
import type { ChatSink } from './chat-output.js';

/** What every chunk of one completion repeats. */
export interface ChunkHeader {
  id: string;
  /** Unix seconds. */
  created: number;
  model: string;
  /** `stream_options.include_usage`: every chunk carries `"usage":null`, and a last chunk the usage. */
  includeUsage: boolean;
}

/**
 * Serializes one streamed completion's `chat.completion.chunk` payloads (the `data:` of each SSE
 * frame) in OpenAI's field order, into `batch`. The fields every chunk repeats are serialized
 * once; a chunk is then the header, its delta and the tail, joined as strings (one per token).
 */
export class ChatChunks implements ChatSink {
  private readonly head: string;
  private readonly tail: string;

  constructor(private readonly header: ChunkHeader, private readonly batch: string[]) {
    this.head = `{"id":${JSON.stringify(header.id)},"object":"chat.completion.chunk","created":${header.created},"model":${JSON.stringify(header.model)},"choices":[{"index":0,"delta":`;
    this.tail = header.includeUsage ? '}],"usage":null}' : '}]}';
  }

  /** The first chunk: the assistant's role, as OpenAI opens every stream. */
  start(): void {
    this.delta('{"role":"assistant","content":""}');
  }

  content(text: string): void {
    this.delta(`{"content":${JSON.stringify(text)}}`);
  }

  reasoning(text: string): void {
    this.delta(`{"reasoning_content":${JSON.stringify(text)}}`);
  }

  toolCallStart(index: number, id: string, name: string): void {
    this.delta(`{"tool_calls":[{"index":${index},"id":${JSON.stringify(id)},"type":"function","function":{"name":${JSON.stringify(name)},"arguments":""}}]}`);
  }

  toolCallArguments(index: number, delta: string): void {
    this.delta(`{"tool_calls":[{"index":${index},"function":{"arguments":${JSON.stringify(delta)}}}]}`);
  }

  toolCallEnd(): void {
    // Streamed already, piece by piece.
  }

  /** The chunk with the finish reason and an empty delta, then (with `include_usage`) the usage chunk with no choices. */
  finish(reason: ChatFinishReason, usage: ChatUsage | undefined): void {
    this.batch.push(`${this.head}{},"logprobs":null,"finish_reason":${JSON.stringify(reason)}${this.tail}`);
    if (this.header.includeUsage && usage) {
      const { id, created, model } = this.header;
      this.batch.push(JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices: [], usage }));
    }
  }

  private delta(delta: string): void {
    this.batch.push(`${this.head}${delta},"logprobs":null,"finish_reason":null${this.tail}`);
  }
}
