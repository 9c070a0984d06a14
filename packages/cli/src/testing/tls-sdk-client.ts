// Child-process entry for the TLS tests: the official SDK against `spark serve` over https and
// wss, in a process that trusts the test's self-signed certificate through NODE_EXTRA_CA_CERTS
// (Node reads it at start only). Prints one JSON line: what each transport returned, or the error.
import OpenAI from 'openai';
import { ResponsesWS } from 'openai/resources/responses/ws';

const [baseURL = '', apiKey = '', model = ''] = process.argv.slice(2);
const client = new OpenAI({ baseURL, apiKey, maxRetries: 0, timeout: 20_000 });

try {
  // HTTP + SSE.
  let sseText = '';
  const kinds = new Set<string>();
  const stream = await client.responses.create({ model, input: 'over https', stream: true, store: false });
  for await (const event of stream) {
    kinds.add(event.type);
    if (event.type === 'response.output_text.delta') sseText += event.delta;
  }
  // The WebSocket mode: one wss connection, the second turn sends only its new input.
  const socket = new ResponsesWS(client);
  try {
    const firstDone = socket.emitted('response.completed');
    socket.send({ type: 'response.create', model, store: false, input: 'over wss' });
    const first = (await firstDone).response;
    const secondDone = socket.emitted('response.completed');
    socket.send({ type: 'response.create', model, store: false, previous_response_id: first.id, input: [{ role: 'user', content: 'and again' }] });
    const second = (await secondDone).response;
    process.stdout.write(`${JSON.stringify({
      ok: true, sseText, sseCompleted: kinds.has('response.completed'),
      wsFirst: text(first), wsSecond: text(second), chained: second.previous_response_id === first.id,
    })}\n`);
  } finally {
    socket.close();
  }
} catch (error) {
  // The SDK wraps fetch's TypeError, which wraps the TLS error: report the whole chain.
  const causes: string[] = [];
  for (let cause: unknown = error; cause instanceof Error && causes.length < 8; cause = cause.cause) {
    causes.push(`${(cause as NodeJS.ErrnoException).code ?? cause.name}: ${cause.message}`);
  }
  process.stdout.write(`${JSON.stringify({ ok: false, error: String(error), cause: causes.join(' <- ') })}\n`);
}

function text(response: OpenAI.Responses.Response): string {
  return response.output.flatMap((item) => (item.type === 'message' ? item.content : [])).map((part) => (part.type === 'output_text' ? part.text : '')).join('');
}
