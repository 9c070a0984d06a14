import type { z } from 'zod';
import { ApiError, apiErrors } from './api-error.js';
import { createResponseSchema, type CreateResponseBody } from './create-response-schema.js';
import { DROPPED_ITEM_TYPES } from './input-item-schema.js';
import type { Tool } from './tool-schema.js';
import { nestsDeeperThan } from './json-nesting.js';
import { MAX_SCHEMA_DEPTH, MAX_TOOLS, MAX_TOTAL_SCHEMA_CHARS } from './request-limits.js';
import { parseSimpleCreateResponse } from './simple-create-response.js';

const KNOWN_ITEM_TYPES = new Set<string>([
  'message', 'function_call', 'function_call_output', 'custom_tool_call', 'custom_tool_call_output',
  'reasoning', 'item_reference', 'compaction', ...DROPPED_ITEM_TYPES,
]);

/**
 * Parses an untrusted create-response body into a typed request, or throws an `ApiError` whose
 * `param` names the offending field the way OpenAI does (`tools[0].type`, `input[2].call_id`).
 */
export function parseCreateResponse(body: unknown): CreateResponseBody {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw apiErrors.invalidType('body', 'The request body must be a JSON object.');
  }
  const record = body as Record<string, unknown>;
  if (record['model'] === undefined || record['model'] === null) throw apiErrors.missing('model');
  // A body with no tools, no item array and no schemas has no limits to check either.
  const simple = parseSimpleCreateResponse(record);
  if (simple) return simple;
  checkItemTypes(record['input']);
  const parsed = createResponseSchema.safeParse(body);
  if (!parsed.success) throw issueToApiError(parsed.error.issues, body);
  checkSchemaLimits(parsed.data);
  return parsed.data;
}

/**
 * Tool count, schema depth and total schema size (`request-limits.ts`), checked before anything
 * walks a schema recursively (normalisation, grammar compilation, cache keys).
 */
function checkSchemaLimits(body: CreateResponseBody): void {
  const schemas: Array<{ param: string; schema: unknown; text?: string }> = [];
  let tools = 0;
  const add = (tool: Tool, param: string): void => {
    tools += 1;
    if (tool.type === 'function' && tool.parameters) schemas.push({ param: `${param}.parameters`, schema: tool.parameters });
    if (tool.type === 'custom' && tool.format?.type === 'grammar') schemas.push({ param: `${param}.format.definition`, schema: null, text: tool.format.definition });
  };
  (body.tools ?? []).forEach((tool, index) => {
    if (tool.type === 'namespace') tool.tools.forEach((member, memberIndex) => add(member, `tools[${index}].tools[${memberIndex}]`));
    else add(tool, `tools[${index}]`);
  });
  if (tools > MAX_TOOLS) throw apiErrors.tooManyTools(tools, MAX_TOOLS);
  const format = body.text?.format;
  if (format?.type === 'json_schema') schemas.push({ param: 'text.format.schema', schema: format.schema });
  let total = 0;
  for (const { param, schema, text } of schemas) {
    if (text === undefined && nestsDeeperThan(schema, MAX_SCHEMA_DEPTH)) throw apiErrors.schemaTooDeep(param, MAX_SCHEMA_DEPTH);
    // Safe to serialise now: the depth is bounded.
    total += text?.length ?? JSON.stringify(schema).length;
    if (total > MAX_TOTAL_SCHEMA_CHARS) throw apiErrors.schemasTooLarge(param, MAX_TOTAL_SCHEMA_CHARS);
  }
}

function checkItemTypes(input: unknown): void {
  if (!Array.isArray(input)) return;
  input.forEach((item: unknown, index) => {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      throw apiErrors.invalidType(`input[${index}]`, `Invalid type for 'input[${index}]': expected an object.`);
    }
    const type = (item as Record<string, unknown>)['type'];
    if (type === undefined) return;
    if (typeof type !== 'string' || !KNOWN_ITEM_TYPES.has(type)) {
      throw apiErrors.invalidValue(
        `input[${index}].type`,
        `Invalid value for 'input[${index}].type': unsupported input item type${typeof type === 'string' ? ` '${type.slice(0, 64)}'` : ''}.`,
      );
    }
  });
}

/** Maps the first zod issue to the spec's error table (§4.2). */
export function issueToApiError(issues: readonly z.core.$ZodIssue[], body: unknown): ApiError {
  const issue = deepestIssue(issues);
  if (!issue) return apiErrors.invalidValue('body', 'Invalid request body.');
  const param = formatPath(issue.path);
  if (issue.code === 'invalid_type') {
    if (valueAt(body, issue.path) === undefined) return apiErrors.missing(param);
    return apiErrors.invalidType(param, `Invalid type for '${param}': expected ${issue.expected}.`);
  }
  return apiErrors.invalidValue(param, `Invalid value for '${param}': ${issue.message}.`);
}

/** Unions report nested failures; the one with the longest path is the most useful to a client. */
function deepestIssue(issues: readonly z.core.$ZodIssue[]): z.core.$ZodIssue | undefined {
  let best: z.core.$ZodIssue | undefined;
  const visit = (list: readonly z.core.$ZodIssue[], prefix: readonly PropertyKey[]): void => {
    for (const issue of list) {
      const full = { ...issue, path: [...prefix, ...issue.path] } as z.core.$ZodIssue;
      if (issue.code === 'invalid_union' && issue.errors.length > 0) {
        // Report from the branches whose `type` discriminator matched, when there are any.
        const matched = issue.errors.filter((branch) => !branch.some(isTypeMismatch));
        for (const branch of matched.length > 0 ? matched : issue.errors) visit(branch, full.path);
        if (!best) best = full;
        continue;
      }
      if (!best || full.path.length > best.path.length) best = full;
    }
  };
  visit(issues, []);
  return best;
}

function isTypeMismatch(issue: z.core.$ZodIssue): boolean {
  return issue.path.length === 1 && issue.path[0] === 'type' && (issue.code === 'invalid_value' || issue.code === 'invalid_type');
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out || 'body';
}

function valueAt(body: unknown, path: readonly PropertyKey[]): unknown {
  let value: unknown = body;
  for (const key of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}
