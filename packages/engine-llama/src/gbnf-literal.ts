/**
 * Quotes text as a GBNF string literal. llama.cpp's grammar parser reads `\\`, `\"`, `\n`, `\r`,
 * `\t` and `\xHH` escapes inside quotes; every other character (UTF-8 included) stands for itself.
 */
export function gbnfLiteral(text: string): string {
  let out = '"';
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    if (char === '"') out += '\\"';
    else if (char === '\\') out += '\\\\';
    else if (char === '\n') out += '\\n';
    else if (char === '\r') out += '\\r';
    else if (char === '\t') out += '\\t';
    // Other control characters would end or corrupt the literal in the parser: hex-escape them.
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += char;
  }
  return `${out}"`;
}
