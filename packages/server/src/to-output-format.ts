import type { OutputFormat } from '@spark/engine';
import type { TextFormat } from '@spark/protocol';

/** Maps `text.format` to the engine's output format; `json_schema` is lenient unless `strict`. */
export function toOutputFormat(format: TextFormat | undefined): OutputFormat {
  if (!format) return { type: 'text' };
  switch (format.type) {
    case 'text': return { type: 'text' };
    case 'json_object': return { type: 'json_object' };
    case 'json_schema': return { type: 'json_schema', schema: format.schema, strict: format.strict ?? false };
    default: {
      const unreachable: never = format;
      return unreachable;
    }
  }
}
