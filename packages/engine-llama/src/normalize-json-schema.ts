import type { GbnfJsonSchema } from 'node-llama-cpp';
import { EngineError } from '@spark/engine';

/** Deepest schema nesting accepted (node-llama-cpp gives up at 512; clients never need this many). */
export const MAX_SCHEMA_DEPTH = 64;

const BASIC_TYPES = new Set(['string', 'number', 'integer', 'boolean', 'null']);
const STRING_FORMATS = new Set(['date-time', 'time', 'date']);

type Schema = GbnfJsonSchema;
type Defs = Record<string, unknown>;

/**
 * Converts a client's JSON Schema into the subset node-llama-cpp compiles to a grammar:
 * `anyOf` becomes `oneOf`, `definitions` become `$defs`, multi-type and `nullable` schemas
 * become alternatives, and a schema without a type accepts any JSON value (the library would
 * otherwise allow only `null`). Throws EngineError 'invalid_request' for what cannot be honoured.
 */
export function normalizeJsonSchema(schema: unknown, param: string): Schema {
  if (!isRecord(schema) && schema !== true) invalid(param, 'the schema must be a JSON object');
  const root = isRecord(schema) ? schema : {};
  const defs: Defs = { ...recordOr(root['definitions']), ...recordOr(root['$defs']) };
  const normalizedDefs: Record<string, Schema> = {};
  for (const [name, def] of Object.entries(defs)) normalizedDefs[name] = convert(def, defs, param, 1);
  const converted = convert(root, defs, param, 0);
  if (Object.keys(normalizedDefs).length === 0) return converted;
  return { ...converted, $defs: normalizedDefs } as Schema;
}

/** Any JSON object, for function tools declared without parameters. */
export const ANY_JSON_OBJECT_SCHEMA: Schema = { type: 'object', additionalProperties: true };

function convert(node: unknown, defs: Defs, param: string, depth: number): Schema {
  if (depth > MAX_SCHEMA_DEPTH) invalid(param, `the schema nests deeper than ${MAX_SCHEMA_DEPTH} levels`);
  if (node === true) return anyJson();
  if (!isRecord(node)) invalid(param, 'every sub-schema must be a JSON object');
  const description = typeof node['description'] === 'string' ? { description: node['description'] } : {};
  const next = (child: unknown): Schema => convert(child, defs, param, depth + 1);

  const schema = convertBody(node, defs, param, next, description);
  if (node['nullable'] === true) return { oneOf: [schema, { type: 'null' }], ...description } as Schema;
  return schema;
}

function convertBody(
  node: Record<string, unknown>,
  defs: Defs,
  param: string,
  next: (child: unknown) => Schema,
  description: { description?: string },
): Schema {
  if (typeof node['$ref'] === 'string') {
    const ref = node['$ref'];
    const match = /^#\/(?:\$defs|definitions)\/(.+)$/.exec(ref);
    const name = match?.[1];
    if (name === undefined || !(name in defs)) invalid(param, `unresolvable $ref '${ref}' (only #/$defs/... and #/definitions/... are supported)`);
    return { $ref: `#/$defs/${name}`, ...description } as Schema;
  }
  const alternatives = node['anyOf'] ?? node['oneOf'];
  if (alternatives !== undefined) {
    if (!Array.isArray(alternatives) || alternatives.length === 0) invalid(param, 'anyOf/oneOf must be a non-empty array');
    return { oneOf: alternatives.map(next), ...description } as Schema;
  }
  if (node['allOf'] !== undefined) {
    const all = node['allOf'];
    if (!Array.isArray(all) || all.length !== 1) invalid(param, 'allOf is only supported with a single sub-schema');
    return next(all[0]);
  }
  if ('const' in node) return { const: literal(node['const'], param), ...description } as Schema;
  if (node['enum'] !== undefined) {
    const values = node['enum'];
    if (!Array.isArray(values) || values.length === 0) invalid(param, 'enum must be a non-empty array');
    return { enum: values.map((value) => literal(value, param)), ...description } as Schema;
  }

  const type = node['type'];
  if (Array.isArray(type)) {
    if (type.length === 0) invalid(param, 'type must not be an empty array');
    const names = type.map((name) => typeName(name, param));
    if (names.every((name) => BASIC_TYPES.has(name))) return { type: names, ...description } as Schema;
    return { oneOf: names.map((name) => convertTyped({ ...node, type: name }, name, param, next, {})), ...description } as Schema;
  }
  if (type !== undefined) return convertTyped(node, typeName(type, param), param, next, description);
  if (node['properties'] !== undefined || node['additionalProperties'] !== undefined) return convertTyped(node, 'object', param, next, description);
  if (node['items'] !== undefined || node['prefixItems'] !== undefined) return convertTyped(node, 'array', param, next, description);
  return { ...anyJson(), ...description } as Schema;
}

function convertTyped(
  node: Record<string, unknown>,
  type: string,
  param: string,
  next: (child: unknown) => Schema,
  description: { description?: string },
): Schema {
  switch (type) {
    case 'object': {
      const properties = node['properties'];
      if (properties !== undefined && !isRecord(properties)) invalid(param, 'properties must be an object');
      const converted: Record<string, Schema> = {};
      for (const [name, child] of Object.entries(properties ?? {})) converted[name] = next(child);
      const additional = node['additionalProperties'];
      const hasProperties = Object.keys(converted).length > 0;
      // JSON Schema allows extra keys by default; for generation that invites invented keys, so
      // extras are allowed only when asked for, or when the object declares no properties at all.
      const additionalProperties = additional === true || (additional === undefined && !hasProperties)
        ? true
        : isRecord(additional) ? next(additional) : undefined;
      return {
        type: 'object',
        ...(hasProperties ? { properties: converted } : {}),
        ...(additionalProperties === undefined ? {} : { additionalProperties }),
        ...numberField(node, 'minProperties'),
        ...numberField(node, 'maxProperties'),
        ...description,
      } as Schema;
    }
    case 'array': {
      const items = node['items'];
      const prefixItems = node['prefixItems'];
      if (prefixItems !== undefined && !Array.isArray(prefixItems)) invalid(param, 'prefixItems must be an array');
      return {
        type: 'array',
        ...(items === undefined || items === true ? {} : { items: next(items) }),
        ...(Array.isArray(prefixItems) ? { prefixItems: prefixItems.map(next) } : {}),
        ...numberField(node, 'minItems'),
        ...numberField(node, 'maxItems'),
        ...description,
      } as Schema;
    }
    case 'string': {
      const format = node['format'];
      if (typeof format === 'string' && STRING_FORMATS.has(format)) return { type: 'string', format, ...description } as Schema;
      return { type: 'string', ...numberField(node, 'minLength'), ...numberField(node, 'maxLength'), ...description } as Schema;
    }
    default:
      return { type, ...description } as Schema;
  }
}

function anyJson(): Schema {
  return {
    oneOf: [{ type: ['number', 'boolean', 'null'] }, { type: 'string' }, { type: 'object', additionalProperties: true }, { type: 'array' }],
  } as Schema;
}

function typeName(value: unknown, param: string): string {
  if (typeof value !== 'string' || (!BASIC_TYPES.has(value) && value !== 'object' && value !== 'array')) {
    invalid(param, `unsupported type ${JSON.stringify(value) ?? 'undefined'}`);
  }
  return value;
}

function literal(value: unknown, param: string): string | number | boolean | null {
  if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  return invalid(param, 'enum and const values must be strings, numbers, booleans or null');
}

function numberField(node: Record<string, unknown>, key: string): Record<string, number> {
  const value = node[key];
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? { [key]: value } : {};
}

function recordOr(value: unknown): Record<string, unknown> {
  return isRecord(value) ? value : {};
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function invalid(param: string, reason: string): never {
  throw new EngineError('invalid_request', `Invalid JSON schema in ${param}: ${reason}.`, { param });
}
