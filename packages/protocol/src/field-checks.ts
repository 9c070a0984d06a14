/**
 * Checks for the request fast paths (`simple-create-response.ts`, `chat/simple-chat-request.ts`):
 * each is true exactly where the zod schema accepts a (present, non-undefined) value and copies
 * it unchanged, so a body the fast path takes parses to what the schema would give.
 */
export type FieldCheck = (value: unknown) => boolean;

export const isString = (value: unknown): value is string => typeof value === 'string';
export const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
export const nullable = (check: FieldCheck): FieldCheck => (value) => value === null || check(value);
export const stringOfLength = (min: number, max: number): FieldCheck => (value) => isString(value) && value.length >= min && value.length <= max;
export const boolean: FieldCheck = (value) => typeof value === 'boolean';
export const numberIn = (min: number, max: number): FieldCheck => (value) => typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max;
/** zod's `.int()`: a safe integer. */
export const intIn = (min: number, max: number): FieldCheck => (value) => Number.isSafeInteger(value) && (value as number) >= min && (value as number) <= max;
export const oneOf = (...values: readonly string[]): FieldCheck => (value) => isString(value) && values.includes(value);
export const strings: FieldCheck = (value) => Array.isArray(value) && value.every(isString);
