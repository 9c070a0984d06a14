/**
 * Limits every request is held to at the transport boundary, before any code walks its JSON.
 * They keep recursive code (schema normalisation, grammar compilation, `JSON.stringify`, zod)
 * far from the stack's end and bound the work one request can ask for.
 */

/**
 * Deepest JSON nesting of a whole request body or WebSocket frame. A Responses request itself
 * nests about 6 levels; the rest is room for tool schemas (`MAX_SCHEMA_DEPTH`) under
 * `tools[i].tools[j].parameters`.
 */
export const MAX_JSON_DEPTH = 192;
/**
 * Deepest JSON nesting of one schema (a function tool's `parameters`, `text.format.schema`),
 * counted in JSON levels: `{"properties": {"a": {...}}}` takes two per schema level. Real tool
 * schemas nest under 20; the engine's grammar compiler gives up far deeper.
 */
export const MAX_SCHEMA_DEPTH = 128;
/** Tools per request, the inner tools of namespaces included (OpenAI's limit is 128 as well). */
export const MAX_TOOLS = 128;
/**
 * Serialized characters of all tool schemas, custom tool grammars and `text.format.schema` of
 * one request together. Codex's whole tool set is about 30 KB; each schema becomes a grammar.
 */
export const MAX_TOTAL_SCHEMA_CHARS = 1024 * 1024;
