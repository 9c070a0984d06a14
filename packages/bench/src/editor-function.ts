/**
 * The editor bench's selection: an ordinary TypeScript function of 100 lines, varied as real code
 * is (a synthetic one of near-identical lines sends small models into loops), and an instruction
 * that touches a few of its lines: the targeted edit Edit Selection is for.
 */
export const BENCH_FUNCTION = `export function summarizeOrders(orders: readonly Order[], options: SummaryOptions): OrderSummary {
  const currency = options.currency ?? 'EUR';
  const since = options.since ? new Date(options.since) : undefined;
  const byCustomer = new Map<string, CustomerTotals>();
  const warnings: string[] = [];
  let revenue = 0;
  let refunded = 0;
  let largest: Order | undefined;

  for (const order of orders) {
    if (order.currency !== currency) {
      warnings.push(\`order \${order.id} is in \${order.currency}, skipped\`);
      continue;
    }
    const placed = new Date(order.placedAt);
    if (since !== undefined && placed < since) continue;
    if (order.status === 'cancelled') continue;

    const amount = order.lines.reduce((sum, line) => sum + line.unitPrice * line.quantity, 0);
    const shipping = order.shipping?.price ?? 0;
    const total = amount + shipping - (order.discount ?? 0);
    if (total < 0) {
      warnings.push(\`order \${order.id} has a negative total\`);
      continue;
    }

    if (order.status === 'refunded') {
      refunded += total;
    } else {
      revenue += total;
    }
    if (largest === undefined || total > orderTotal(largest)) largest = order;

    const customer = byCustomer.get(order.customerId) ?? {
      customerId: order.customerId,
      orders: 0,
      spent: 0,
      firstOrder: placed,
      lastOrder: placed,
    };
    customer.orders += 1;
    customer.spent += order.status === 'refunded' ? 0 : total;
    if (placed < customer.firstOrder) customer.firstOrder = placed;
    if (placed > customer.lastOrder) customer.lastOrder = placed;
    byCustomer.set(order.customerId, customer);
  }

  const customers = [...byCustomer.values()].sort((a, b) => b.spent - a.spent);
  const top = customers.slice(0, options.topCustomers ?? 10);
  const repeat = customers.filter((customer) => customer.orders > 1).length;
  const average = customers.length === 0 ? 0 : revenue / customers.length;

  const days = new Map<string, number>();
  for (const order of orders) {
    if (order.currency !== currency || order.status === 'cancelled') continue;
    const day = order.placedAt.slice(0, 10);
    days.set(day, (days.get(day) ?? 0) + 1);
  }
  let busiestDay: string | undefined;
  let busiestCount = 0;
  for (const [day, count] of days) {
    if (count > busiestCount) {
      busiestDay = day;
      busiestCount = count;
    }
  }

  if (refunded > revenue / 4) {
    warnings.push('refunds are above a quarter of the revenue');
  }
  if (customers.length > 0 && repeat / customers.length < 0.1) {
    warnings.push('fewer than one customer in ten ordered again');
  }

  const format = (value: number): string => new Intl.NumberFormat(options.locale ?? 'en-GB', {
    style: 'currency',
    currency,
  }).format(value);

  return {
    currency,
    revenue,
    refunded,
    net: revenue - refunded,
    customers: customers.length,
    repeatCustomers: repeat,
    averagePerCustomer: average,
    top: top.map((customer) => ({
      id: customer.customerId,
      orders: customer.orders,
      spent: format(customer.spent),
    })),
    largestOrder: largest?.id,
    busiestDay,
    warnings,
    period: since?.toISOString() ?? 'all time',
    generatedAt: new Date().toISOString(),
    text: \`\${format(revenue - refunded)} from \${customers.length} customers\`,
  };
}
`;

/** The instruction: a rename that touches a handful of the function's lines. */
export const BENCH_INSTRUCTION = 'Rename the variable `refunded` to `refundTotal`. Change nothing else.';
