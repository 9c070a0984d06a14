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
  const json = JSON.stringify(event);
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

const COMMA = 0x2c;
const CLOSE_BRACE = 0x7d;
