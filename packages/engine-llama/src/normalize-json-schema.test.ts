import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EngineError } from '@spark/engine';
import { normalizeJsonSchema } from './normalize-json-schema.js';

const rejects = (schema: unknown): void => {
  assert.throws(() => normalizeJsonSchema(schema, 'p'), (error) => EngineError.is(error) && error.code === 'invalid_request' && error.param === 'p');
};

describe('normalizeJsonSchema', () => {
  it('keeps a plain object schema, without extra keys unless asked', () => {
    const schema = { type: 'object', properties: { city: { type: 'string', description: 'City' }, n: { type: 'integer' } }, required: ['city'] };
    assert.deepEqual(normalizeJsonSchema(schema, 'p'), {
      type: 'object',
      properties: { city: { type: 'string', description: 'City' }, n: { type: 'integer' } },
    });
    assert.deepEqual(normalizeJsonSchema({ ...schema, additionalProperties: true }, 'p'), {
      type: 'object',
      properties: { city: { type: 'string', description: 'City' }, n: { type: 'integer' } },
      additionalProperties: true,
    });
  });

  it('turns anyOf into oneOf and nullable types into alternatives', () => {
    assert.deepEqual(normalizeJsonSchema({ anyOf: [{ type: 'string' }, { type: 'null' }] }, 'p'), { oneOf: [{ type: 'string' }, { type: 'null' }] });
    assert.deepEqual(normalizeJsonSchema({ type: ['string', 'null'] }, 'p'), { type: ['string', 'null'] });
    assert.deepEqual(normalizeJsonSchema({ type: ['object', 'null'] }, 'p'), { oneOf: [{ type: 'object', additionalProperties: true }, { type: 'null' }] });
  });

  it('accepts any JSON value for a schema without a type (the library would allow only null)', () => {
    const any = normalizeJsonSchema({}, 'p') as { oneOf?: unknown[] };
    assert.equal(any.oneOf?.length, 4);
  });

  it('moves definitions to $defs and rewrites their references', () => {
    const schema = { type: 'object', properties: { a: { $ref: '#/definitions/A' } }, definitions: { A: { type: 'number' } } };
    assert.deepEqual(normalizeJsonSchema(schema, 'p'), {
      type: 'object',
      properties: { a: { $ref: '#/$defs/A' } },
      $defs: { A: { type: 'number' } },
    });
  });

  it('infers object and array from their keywords and keeps enums, consts and bounds', () => {
    assert.deepEqual(normalizeJsonSchema({ items: { enum: ['a', 1, null] }, maxItems: 3 }, 'p'), { type: 'array', items: { enum: ['a', 1, null] }, maxItems: 3 });
    assert.deepEqual(normalizeJsonSchema({ properties: { k: { const: true } } }, 'p'), { type: 'object', properties: { k: { const: true } } });
    assert.deepEqual(normalizeJsonSchema({ type: 'string', maxLength: 5 }, 'p'), { type: 'string', maxLength: 5 });
    assert.deepEqual(normalizeJsonSchema({ type: 'string', format: 'date' }, 'p'), { type: 'string', format: 'date' });
  });

  it('rejects what it cannot honour', () => {
    rejects('not a schema');
    rejects([]);
    rejects({ type: 'object', properties: { a: { $ref: '#/$defs/missing' } } });
    rejects({ type: 'tuple' });
    rejects({ enum: [] });
    rejects({ enum: [{ a: 1 }] });
    rejects({ allOf: [{ type: 'string' }, { type: 'number' }] });
    rejects({ type: 'object', properties: { a: 5 } });
  });

  it('rejects absurd nesting', () => {
    let schema: Record<string, unknown> = { type: 'string' };
    for (let i = 0; i < 100; i++) schema = { type: 'array', items: schema };
    rejects(schema);
  });
});
