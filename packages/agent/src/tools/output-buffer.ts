/** What an `OutputBuffer` kept. */
export interface BufferedOutput {
  /** Decoded text; the head and tail around a `[... N bytes omitted ...]` marker when over the limit. */
  output: string;
  /** Every byte pushed, kept or not. */
  outputBytes: number;
  truncated: boolean;
}

/**
 * Collects a process's output within a byte limit, keeping the first and the last halves: the
 * start says what ran, the end how it finished (errors and summaries come last).
 */
export class OutputBuffer {
  private readonly headLimit: number;
  private readonly tailLimit: number;
  private readonly head: Buffer[] = [];
  private headBytes = 0;
  private tail: Buffer[] = [];
  private tailBytes = 0;
  private total = 0;

  constructor(maxBytes: number) {
    const limit = Math.max(0, Math.floor(maxBytes));
    this.headLimit = Math.floor(limit / 2);
    this.tailLimit = limit - this.headLimit;
  }

  push(chunk: Buffer): void {
    this.total += chunk.length;
    let rest = chunk;
    if (this.headBytes < this.headLimit) {
      const take = rest.subarray(0, this.headLimit - this.headBytes);
      this.head.push(take);
      this.headBytes += take.length;
      rest = rest.subarray(take.length);
    }
    if (rest.length === 0) return;
    this.tail.push(rest);
    this.tailBytes += rest.length;
    // Drop whole chunks that fall out of the tail window; `finish` trims the partial one.
    while (this.tail.length > 1 && this.tailBytes - (this.tail[0]?.length ?? 0) >= this.tailLimit) {
      this.tailBytes -= this.tail.shift()?.length ?? 0;
    }
  }

  finish(): BufferedOutput {
    const head = Buffer.concat(this.head, this.headBytes);
    const tailAll = Buffer.concat(this.tail, this.tailBytes);
    if (this.total <= this.headLimit + this.tailLimit) {
      return { output: Buffer.concat([head, tailAll]).toString('utf8'), outputBytes: this.total, truncated: false };
    }
    // Cut on character boundaries so the marker never sits inside a multi-byte character.
    const headEnd = characterStart(head, head.length);
    let tailStart = tailAll.length - this.tailLimit;
    while (tailStart < tailAll.length && isContinuation(tailAll[tailStart])) tailStart++;
    const kept = headEnd + (tailAll.length - tailStart);
    const omitted = this.total - kept;
    const text = `${head.subarray(0, headEnd).toString('utf8')}\n[... ${omitted} bytes omitted ...]\n${tailAll.subarray(tailStart).toString('utf8')}`;
    return { output: text, outputBytes: this.total, truncated: true };
  }
}

// The start of the character that would be split by cutting `bytes` at `at` (or `at` itself).
function characterStart(bytes: Buffer, at: number): number {
  let cut = at;
  while (cut > 0 && cut > at - 4 && isContinuation(bytes[cut - 1])) cut--;
  // `cut - 1` is now a lead byte (or ASCII); keep it only if its whole sequence fits before `at`.
  const lead = bytes[cut - 1];
  if (lead === undefined || lead < 0xc0) return at;
  const length = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2;
  return cut - 1 + length <= at ? at : cut - 1;
}

function isContinuation(byte: number | undefined): boolean {
  return byte !== undefined && (byte & 0xc0) === 0x80;
}
