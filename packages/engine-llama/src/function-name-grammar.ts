import { gbnfLiteral } from './gbnf-literal.js';

export interface FunctionNameGrammarOptions {
  /** Names the model may choose from; at least one. */
  names: readonly string[];
  /** Text the chat template puts between the name and the JSON arguments, per name. */
  paramsPrefix: (name: string) => string;
  /** Whether a single space may precede the name (the wrapper's `optionalPrefixSpace`). */
  optionalPrefixSpace: boolean;
}

/**
 * GBNF that makes the model pick one of the allowed function names, followed by the template's
 * params prefix (e.g. `(` for `||call: name(`). Its completion means the name is decided.
 */
export function functionNameGbnf(options: FunctionNameGrammarOptions): string {
  if (options.names.length === 0) throw new Error('functionNameGbnf needs at least one name');
  const alternatives = options.names.map((name) => `${gbnfLiteral(name)} ${gbnfLiteral(options.paramsPrefix(name))}`);
  const space = options.optionalPrefixSpace ? '[ ]? ' : '';
  return `root ::= ${space}( ${alternatives.join(' | ')} )\n`;
}
