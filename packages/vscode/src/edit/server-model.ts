import { ClientError, connectResponses } from '@spark/client';

/** The first model `GET /v1/models` lists: what Edit Selection (and the editor bench) uses when no model is configured. */
export async function serverModel(url: string, apiKey: string | undefined, signal?: AbortSignal): Promise<string> {
  const connection = await connectResponses({ baseUrl: `${url}/v1`, transport: 'http', ...(apiKey === undefined ? {} : { apiKey }) });
  try {
    const [first] = await connection.listModels(signal === undefined ? {} : { signal });
    if (first === undefined || first.id === '') throw new ClientError('no_model', 'The server lists no model; set spark.model.');
    return first.id;
  } finally {
    await connection.close();
  }
}
