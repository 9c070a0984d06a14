/**
 * Builds a prompt of roughly `targetTokens` tokens from code-like text. `nonce` makes the very first
 * tokens unique, so no cached prefix can be reused between measurements that must be cold.
 */
export function fillerPrompt(targetTokens: number, nonce: string, countTokens: (text: string) => number): string {
  const head = `Session ${nonce}. Read this code and answer the question at the end.\n\n`;
  const parts = [head];
  let i = 0;
  let text = head;
  // Grow in blocks, then trim line by line: tokenizing is cheap next to a prefill.
  while (countTokens(text) < targetTokens) {
    for (let k = 0; k < 20; k++, i++) parts.push(codeLine(i));
    text = parts.join('');
  }
  while (parts.length > 1 && countTokens(parts.join('')) > targetTokens) parts.pop();
  return `${parts.join('')}\nQuestion: what does the function on line 3 return?`;
}

function codeLine(i: number): string {
  const names = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'eta', 'theta'];
  const name = names[i % names.length] ?? 'x';
  return `function ${name}${i}(value: number): number { return value * ${i % 17} + ${(i * 7) % 31}; }\n`;
}
