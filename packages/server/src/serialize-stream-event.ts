import type { StreamEventBody } from './stream-response.js';

/** How every body's JSON starts, `type` being its first key. */
const TYPE_LEAD = '{"type":"';

/**
 * The JSON of a stream event as it goes on the wire, numbered here and only here (the SSE writer
 * and the WebSocket connection call it as they write): `type`, then `sequence_number`, then the
 * body's own fields, then the WebSocket lane's `stream_id` when it has one. Built by splicing
 * the number into the body's JSON, so the token path makes no copy of the event to put a field
 * second.
 */
export function serializeStreamEvent(event: StreamEventBody, sequence: number, streamId?: string): string {
  if (event.type === 'response.output_text.delta') {
    const fast = textDeltaJson(event, sequence, streamId);
    if (fast !== undefined) return fast;
  }
  const json = 'response' in event ? lifecycleJson(event) : JSON.stringify(event);
  // Event types are plain `response.*` names: their JSON is the name in quotes, nothing escaped.
  const cut = TYPE_LEAD.length + event.type.length + 1;
  const next = json.charCodeAt(cut);
  if ((next !== COMMA && next !== CLOSE_BRACE) || !json.startsWith(TYPE_LEAD) || !json.startsWith(event.type, TYPE_LEAD.length)) {
    throw new Error(`A stream event must have 'type' as its first key (${event.type}).`);
  }
  const lead = `${json.slice(0, cut)},"sequence_number":${sequence}`;
  if (streamId === undefined) return next === COMMA ? lead + json.slice(cut) : `${lead}}`;
  const lane = `,"stream_id":${JSON.stringify(streamId)}}`;
  return next === COMMA ? lead + json.slice(cut, -1) + lane : lead + lane;
}

/** The keys of a text delta as `StreamResponse` builds it, in order. */
const TEXT_DELTA_KEYS = ['type', 'item_id', 'output_index', 'content_index', 'delta', 'logprobs'] as const;

/**
 * A text delta, the one event per token, written field by field: the same JSON as the general
 * path (`JSON.stringify`, then the number spliced in), with no object walk and no slicing. Only
 * for exactly the keys `StreamResponse` sets, in its order, with no logprobs; anything else
 * (undefined) takes the general path.
 */
function textDeltaJson(event: Extract<StreamEventBody, { type: 'response.output_text.delta' }>, sequence: number, streamId: string | undefined): string | undefined {
  let index = 0;
  for (const key in event) {
    if (key !== TEXT_DELTA_KEYS[index]) return undefined;
    index += 1;
  }
  if (index !== TEXT_DELTA_KEYS.length || event.logprobs.length !== 0) return undefined;
  const { output_index: outputIndex, content_index: contentIndex } = event;
  // Indices are small non-negative integers; anything else is written by JSON.stringify itself.
  if (!Number.isSafeInteger(outputIndex) || !Number.isSafeInteger(contentIndex)) return undefined;
  const lane = streamId === undefined ? '' : `,"stream_id":${JSON.stringify(streamId)}`;
  return `{"type":"response.output_text.delta","sequence_number":${sequence}${itemFields(event.item_id, outputIndex, contentIndex)}${JSON.stringify(event.delta)},"logprobs":[]${lane}}`;
}

/** The last text item's fields between `sequence_number` and the delta's text: the same for every token of the item. */
let lastItem: { id: string; outputIndex: number; contentIndex: number; json: string } | undefined;

function itemFields(id: string, outputIndex: number, contentIndex: number): string {
  const last = lastItem;
  if (last !== undefined && last.id === id && last.outputIndex === outputIndex && last.contentIndex === contentIndex) return last.json;
  const json = `,"item_id":${JSON.stringify(id)},"output_index":${outputIndex},"content_index":${contentIndex},"delta":`;
  lastItem = { id, outputIndex, contentIndex, json };
  return json;
}

/**
 * JSON of response objects already written, by identity: `response.created` and
 * `response.in_progress` carry the same snapshot (with every tool's schema echoed), and a response
 * object in an event is never changed afterwards. Weak, so a finished response is not kept.
 */
const responseJson = new WeakMap<object, string>();

/** A lifecycle event (`{type, response}`) as `JSON.stringify` writes it, its response serialized once. */
function lifecycleJson(event: Extract<StreamEventBody, { response: unknown }>): string {
  // Exactly `type` then `response`, or the general path decides what the JSON is.
  let index = 0;
  for (const key in event) {
    if (key !== (index === 0 ? 'type' : index === 1 ? 'response' : '')) return JSON.stringify(event);
    index += 1;
  }
  if (index !== 2) return JSON.stringify(event);
  let response = responseJson.get(event.response);
  if (response === undefined) {
    response = JSON.stringify(event.response);
    responseJson.set(event.response, response);
  }
  return `{"type":${JSON.stringify(event.type)},"response":${response}}`;
}

const COMMA = 0x2c;
const CLOSE_BRACE = 0x7d;
