import { Worker } from 'node:worker_threads';

/** Bytes each worker compares per pass: far larger than any CPU cache. */
const BUFFER_BYTES = 256 * 1024 * 1024;
const PASSES = 6;

/**
 * Memory read bandwidth in bytes per second, with `threads` workers each comparing two equal
 * 256 MiB buffers (`Buffer.compare` is libc's memcmp: vectorized, so it streams at what memory
 * delivers, not at what JavaScript computes). The best of three runs: what the machine can read,
 * the ceiling a memory-bound decode step is measured against.
 */
export async function measureReadBandwidth(threads: number): Promise<number> {
  const workers = Array.from({ length: threads }, () => new Worker(WORKER_SOURCE, { eval: true, workerData: { bytes: BUFFER_BYTES, passes: PASSES } }));
  try {
    await Promise.all(workers.map((worker) => message(worker)));
    let best = 0;
    for (let run = 0; run < 3; run++) {
      const started = performance.now();
      const replies = workers.map((worker) => message(worker));
      for (const worker of workers) worker.postMessage('go');
      const bytes = (await Promise.all(replies)).reduce((sum, read) => sum + read, 0);
      best = Math.max(best, bytes / ((performance.now() - started) / 1000));
    }
    return best;
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
}

function message(worker: Worker): Promise<number> {
  return new Promise((resolve, reject) => {
    worker.once('message', (value: unknown) => resolve(typeof value === 'number' ? value : 0));
    worker.once('error', reject);
  });
}

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const a = Buffer.alloc(workerData.bytes, 7);
const b = Buffer.alloc(workerData.bytes, 7);
parentPort.postMessage(0);
parentPort.on('message', () => {
  let read = 0;
  for (let pass = 0; pass < workerData.passes; pass++) {
    if (a.compare(b) !== 0) throw new Error('buffers differ');
    read += 2 * workerData.bytes;
  }
  parentPort.postMessage(read);
});
`;
