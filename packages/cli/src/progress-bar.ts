/** Draws download progress on a terminal, or prints sparse lines when stderr is not a TTY. */
export interface ProgressBar {
  update(received: number, total: number | undefined): void;
  message(text: string): void;
  done(): void;
}

const BAR_WIDTH = 30;
const REDRAW_INTERVAL_MS = 100;
const LOG_INTERVAL_MS = 5000;

export function createProgressBar(label: string, stream: NodeJS.WriteStream = process.stderr): ProgressBar {
  const tty = stream.isTTY;
  const started = Date.now();
  let lastDraw = 0;
  let drawn = false;
  return {
    update(received, total) {
      const now = Date.now();
      const interval = tty ? REDRAW_INTERVAL_MS : LOG_INTERVAL_MS;
      if (now - lastDraw < interval && received !== total) return;
      lastDraw = now;
      const seconds = Math.max((now - started) / 1000, 0.001);
      const rate = `${formatBytes(received / seconds)}/s`;
      let line: string;
      if (total && total > 0) {
        const ratio = Math.min(received / total, 1);
        const filled = Math.round(ratio * BAR_WIDTH);
        line = `${label} [${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${(ratio * 100).toFixed(1)}% ${formatBytes(received)}/${formatBytes(total)} ${rate}`;
      } else {
        line = `${label} ${formatBytes(received)} ${rate}`;
      }
      if (tty) { stream.write(`\r\x1b[2K${line}`); drawn = true; } else stream.write(`${line}\n`);
    },
    message(text) {
      if (drawn) { stream.write('\n'); drawn = false; }
      stream.write(`${text}\n`);
    },
    done() {
      if (drawn) { stream.write('\n'); drawn = false; }
    },
  };
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit += 1; }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit] ?? 'B'}`;
}
