import { readFileSync } from 'node:fs';

/** The first model a Responses server lists (bench servers serve one). */
export async function servedModelId(url: string): Promise<string> {
  const response = await fetch(`${url}/v1/models`, { headers: { authorization: 'Bearer bench' } });
  const body = (await response.json()) as { data: Array<{ id: string }> };
  const id = body.data[0]?.id;
  if (!id) throw new Error('the server lists no model');
  return id;
}

/** A process's resident memory in MB (Linux `/proc`); NaN once it is gone or off Linux. */
export function rssMb(pid: number): number {
  try {
    const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match?.[1] ? Number(match[1]) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}
