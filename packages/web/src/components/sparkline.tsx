/** Width and height of the live tok/s sparkline, in CSS pixels. */
export const SPARKLINE_WIDTH = 80;
export const SPARKLINE_HEIGHT = 16;

/** A tiny SVG line of tok/s over the last seconds of the stream. */
export function Sparkline({ values }: { values: readonly number[] }) {
  if (values.length < 2) return <svg class="sparkline" width={SPARKLINE_WIDTH} height={SPARKLINE_HEIGHT} data-testid="sparkline" aria-hidden="true" />;
  const max = Math.max(1, ...values);
  const step = SPARKLINE_WIDTH / (values.length - 1);
  const points = values.map((value, index) => `${(index * step).toFixed(1)},${(SPARKLINE_HEIGHT - 1 - (value / max) * (SPARKLINE_HEIGHT - 2)).toFixed(1)}`).join(' ');
  return (
    <svg class="sparkline" width={SPARKLINE_WIDTH} height={SPARKLINE_HEIGHT} viewBox={`0 0 ${SPARKLINE_WIDTH} ${SPARKLINE_HEIGHT}`} data-testid="sparkline" aria-hidden="true">
      <polyline points={points} fill="none" stroke="currentColor" stroke-width="1.5" stroke-linejoin="round" />
    </svg>
  );
}
