import { randomFillSync } from 'node:crypto';

/** Id prefixes as OpenAI spells them (clients treat ids as opaque). */
export type IdPrefix = 'resp' | 'msg' | 'fc' | 'fco' | 'ctc' | 'ctco' | 'rs' | 'cmp' | 'item' | 'req';

/** Random bytes in one id (48 hex digits). */
const ID_BYTES = 24;
/**
 * Ids drawn from one fill of the random pool. A trivial turn makes three ids, and a
 * `randomBytes` call per id (a trip into C++ and a fresh Buffer) cost more than the rest of id
 * making; the pool draws the same CSPRNG bytes once per 170 ids (the way `crypto.randomUUID`
 * batches its entropy), and every byte is used once.
 */
const POOL_BYTES = ID_BYTES * 170;
const pool = Buffer.allocUnsafe(POOL_BYTES);
let offset = POOL_BYTES;

/** A new opaque id: the prefix, '_', then 48 random hex digits. */
export function newId(prefix: IdPrefix): string {
  if (offset === POOL_BYTES) {
    randomFillSync(pool);
    offset = 0;
  }
  const start = offset;
  offset += ID_BYTES;
  return `${prefix}_${pool.toString('hex', start, offset)}`;
}
