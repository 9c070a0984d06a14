import { randomBytes } from 'node:crypto';

/** Id prefixes as OpenAI spells them (clients treat ids as opaque). */
export type IdPrefix = 'resp' | 'msg' | 'fc' | 'fco' | 'ctc' | 'ctco' | 'rs' | 'cmp' | 'item' | 'req';

/** A new opaque id: the prefix, '_', then 48 random hex digits. */
export function newId(prefix: IdPrefix): string {
  return `${prefix}_${randomBytes(24).toString('hex')}`;
}
