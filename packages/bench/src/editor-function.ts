/**
 * The editor bench's selection: a plain TypeScript function of exactly `lines` lines (an order
 * total computed step by step), the size of function a user selects for Edit Selection, and an
 * instruction that touches a few of its lines, the targeted edit the feature is for.
 */
export function benchFunction(lines = 100): { source: string; instruction: string } {
  const body: string[] = [];
  let step = 0;
  // Header (1) + variables (3) + steps + return (2) + closing brace (1) = lines.
  while (body.length < lines - 7) {
    step += 1;
    const kind = step % 4;
    if (kind === 1) body.push(`  const price${step} = order.items[${step % 7}]?.price ?? 0;`);
    else if (kind === 2) body.push(`  subtotal += price${step - 1} * (order.quantities[${step % 5}] ?? 1);`);
    else if (kind === 3) body.push(`  if (subtotal > ${step * 10}) discount = Math.max(discount, ${(step % 9) + 1});`);
    else body.push(`  log.push(\`step ${step}: \${subtotal.toFixed(2)}\`);`);
  }
  const source = [
    'export function orderTotal(order: Order, log: string[]): number {',
    '  let subtotal = 0;',
    '  let discount = 0;',
    '  const taxRate = order.region === "EU" ? 0.2 : 0.08;',
    ...body,
    '  const discounted = subtotal * (1 - discount / 100);',
    '  return Math.round(discounted * (1 + taxRate) * 100) / 100;',
    '}',
    '',
  ].join('\n');
  return { source, instruction: 'Rename the variable `discount` to `rebate` everywhere in the function. Change nothing else.' };
}
