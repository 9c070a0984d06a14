/** The first model `GET /v1/models` lists: what Edit Selection uses when no model is configured. */
export async function serverModel(url: string, apiKey: string | undefined, signal?: AbortSignal): Promise<string> {
  const response = await fetch(`${url}/v1/models`, {
    ...(signal === undefined ? {} : { signal }),
    headers: apiKey === undefined ? {} : { authorization: `Bearer ${apiKey}` },
  });
  if (!response.ok) throw new Error(`the server answered ${response.status} to GET /v1/models: ${(await response.text()).slice(0, 300)}`);
  const body: unknown = await response.json();
  const data = typeof body === 'object' && body !== null && 'data' in body ? body.data : undefined;
  const first: unknown = Array.isArray(data) ? data[0] : undefined;
  const id = typeof first === 'object' && first !== null && 'id' in first ? first.id : undefined;
  if (typeof id !== 'string' || id === '') throw new Error('the server lists no model; set spark.model.');
  return id;
}
