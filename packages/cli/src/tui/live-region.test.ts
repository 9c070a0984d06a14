import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ansiStyle as s } from './ansi.js';
import { LiveRegion, type LiveRegionOptions, type TerminalOutput } from './live-region.js';
import { ManualScheduler } from './testing/manual-scheduler.js';
import { VirtualTerminal } from './testing/virtual-terminal.js';
import { stripAnsi, wrapAnsi } from './text-width.js';

/** Records each write; optionally also feeds a virtual terminal. */
class FakeOut implements TerminalOutput {
  readonly chunks: string[] = [];
  constructor(public columns = 40, public rows = 10, private readonly vt?: VirtualTerminal, private readonly onWrite?: (chunk: string) => boolean) {}
  write(chunk: string): boolean {
    this.chunks.push(chunk);
    this.vt?.write(chunk);
    return this.onWrite?.(chunk) ?? true;
  }
}

function setup(columns = 40, rows = 10, options: LiveRegionOptions = {}): { vt: VirtualTerminal; out: FakeOut; clock: ManualScheduler; region: LiveRegion } {
  const vt = new VirtualTerminal(columns, rows);
  const out = new FakeOut(columns, rows, vt);
  const clock = new ManualScheduler();
  const region = new LiveRegion(out, { now: clock.now, schedule: clock.schedule, ...options });
  return { vt, out, clock, region };
}

void describe('LiveRegion: wire bytes', () => {
  void it('writes each frame as one synchronized write: back to the region top, erase, commits, live rows', () => {
    const { out, region } = setup();
    region.commit(['settled']);
    region.setLive(['live 1', 'live 2']);
    region.flush();
    assert.deepEqual(out.chunks, ['\x1b[?2026h\x1b[?25lsettled\x1b[K\r\nlive 1\x1b[K\r\nlive 2\x1b[K\x1b[?2026l']);
    region.setLive(['live 3']);
    region.flush();
    assert.equal(out.chunks[1], '\x1b[?2026h\x1b[1F\x1b[Jlive 3\x1b[?2026l', 'a shorter region clears the rows below it');
    region.setLive(['input> ab', 'status'], { row: 0, col: 9 });
    region.flush();
    assert.equal(out.chunks[2], '\x1b[?2026h\rinput> ab\x1b[K\r\nstatus\x1b[K\x1b[1A\x1b[10G\x1b[?25h\x1b[?2026l');
    region.commit(['done']);
    region.setLive(['input> abc', 'status'], { row: 0, col: 10 });
    region.flush();
    assert.equal(out.chunks[3], '\x1b[?2026h\x1b[?25l\rdone\x1b[K\r\ninput> abc\x1b[K\r\nstatus\x1b[K\x1b[1A\x1b[11G\x1b[?25h\x1b[?2026l', 'from the cursor row (0) straight to the top');
    region.setLive(['x'.repeat(40)]);
    region.flush();
    assert.equal(out.chunks[4], `\x1b[?2026h\x1b[?25l\r\x1b[J${'x'.repeat(40)}\x1b[?2026l`, 'no EL after a full-width row');
    region.setLive(['a', 'b'], { row: 0, col: 1 });
    region.flush();
    region.close();
    assert.equal(out.chunks[6], '\x1b[1B\r\n', 'close leaves the cursor on a fresh row below the region');
  });

  void it('can leave synchronized output off', () => {
    const { out, region } = setup(40, 10, { synchronizedOutput: false });
    region.setLive(['x']);
    region.flush();
    assert.deepEqual(out.chunks, ['\x1b[?25lx\x1b[K']);
  });
});

void describe('LiveRegion: frames', () => {
  void it('coalesces 10,000 setLive calls and many commits into one write per frame', () => {
    const { out, clock, region, vt } = setup();
    for (let i = 0; i < 10_000; i++) {
      if (i % 1000 === 0) region.commit([`line ${i}`]);
      region.setLive([`tail ${i}`]);
    }
    assert.equal(out.chunks.length, 0, 'nothing is drawn synchronously');
    assert.equal(clock.pending, 1, 'one frame scheduled');
    clock.runAll();
    assert.equal(out.chunks.length, 1);
    assert.equal(region.stats.frames, 1);
    assert.deepEqual(vt.allText(), [...Array.from({ length: 10 }, (_, k) => `line ${k * 1000}`), 'tail 9999']);
  });

  void it('draws the first update at once, then at most one frame per interval', () => {
    const { out, clock, region } = setup(40, 10, { minFrameMs: 16 });
    region.setLive(['a']);
    clock.advance(0);
    assert.equal(out.chunks.length, 1, 'an update after idle draws immediately');
    region.setLive(['b']);
    clock.advance(10);
    assert.equal(out.chunks.length, 1, 'within the interval: waits');
    clock.advance(6);
    assert.equal(out.chunks.length, 2);
  });

  void it('skips a frame when nothing visible changed', () => {
    const { out, region } = setup();
    region.setLive(['same'], { row: 0, col: 4 });
    region.flush();
    region.setLive(['same'], { row: 0, col: 4 });
    region.flush();
    assert.equal(out.chunks.length, 1);
    assert.equal(region.stats.skippedFrames, 1);
  });

  void it('stretches the interval with the cost of drawing, within the bounds', () => {
    const clock = new ManualScheduler();
    let cost = 5;
    const out = new FakeOut(40, 10, undefined, () => { clock.time += cost; return true; });
    const region = new LiveRegion(out, { now: clock.now, schedule: clock.schedule, minFrameMs: 16, maxFrameMs: 100 });
    region.setLive(['a']);
    region.flush();
    assert.equal(region.stats.frameIntervalMs, 40, '8 x 5 ms');
    cost = 1000;
    for (let i = 0; i < 20; i++) { region.setLive([`x${i}`]); region.flush(); }
    assert.equal(region.stats.frameIntervalMs, 100, 'capped at maxFrameMs');
    cost = 0;
    for (let i = 0; i < 40; i++) { region.setLive([`y${i}`]); region.flush(); }
    assert.equal(region.stats.frameIntervalMs, 16, 'back to minFrameMs when drawing is cheap');
    assert.ok(region.stats.renderMs >= 20_000);
  });

  void it('slows to maxFrameMs while the output stream reports backpressure', () => {
    const clock = new ManualScheduler();
    const out = new FakeOut(40, 10, undefined, () => false);
    const region = new LiveRegion(out, { now: clock.now, schedule: clock.schedule });
    region.setLive(['a']);
    region.flush();
    assert.equal(region.stats.frameIntervalMs, 100);
  });

  void it('calls a live renderer once per frame with the width', () => {
    const { out, clock, region } = setup(30, 10);
    let calls = 0;
    let tokens = 0;
    region.setLiveRenderer((columns) => { calls++; return { rows: [`${tokens} tokens at ${columns}`] }; });
    for (let i = 0; i < 500; i++) { tokens++; region.invalidate(); }
    clock.runAll();
    assert.equal(calls, 1);
    assert.match(out.chunks[0] ?? '', /500 tokens at 30/);
  });
});

void describe('LiveRegion: on a virtual terminal', () => {
  void it('leaves every committed line exactly once, in order, with the live rows at the bottom', () => {
    const { vt, clock, region } = setup(30, 8);
    let seed = 1;
    const rand = (n: number): number => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
    const words = ['alpha', 'beta', s.bold('gamma'), s.red('delta'), '日本語', '👍', 'a-much-longer-word-that-wraps-around'];
    const expected: string[] = [];
    let live: string[] = [];
    for (let step = 0; step < 2000; step++) {
      const action = rand(10);
      if (action < 3) {
        const line = `#${step} ${Array.from({ length: rand(12) }, () => words[rand(words.length)] ?? '').join(' ')}`;
        region.commit([line]);
        expected.push(...wrapAnsi(line, 30, { wordWrap: true }).map(stripAnsi));
      } else if (action < 9) {
        live = Array.from({ length: 1 + rand(4) }, (_, k) => `live ${step}.${k} ${'x'.repeat(rand(40))}`);
        region.setLive(live, rand(2) === 0 ? { row: rand(live.length), col: rand(10) } : undefined);
      }
      const writes = vt.writes;
      clock.advance(rand(30));
      assert.equal(vt.syncDepth, 0, 'every write closes its synchronized update');
      if (vt.writes !== writes) {
        // After every frame: all settled rows once, in order, then exactly the live rows.
        const shown = live.flatMap((row) => wrapAnsi(row, 30, { wordWrap: true }).map(stripAnsi));
        const want = [...expected, ...shown].map((row) => row.trimEnd());
        while (want.length > 0 && want[want.length - 1] === '') want.pop();
        assert.deepEqual(vt.allText(), want, `after step ${step}`);
      }
    }
    clock.runAll();
    const liveRows = live.flatMap((row) => wrapAnsi(row, 30, { wordWrap: true }).map(stripAnsi));
    assert.deepEqual(vt.allText(), [...expected, ...liveRows].map((row) => row.trimEnd()));
    assert.equal(vt.writes, region.stats.frames);
    region.close();
    assert.equal(vt.cursorVisible, true);
    assert.deepEqual([vt.cursorCol, vt.screenText()[vt.cursorRow]], [0, ''], 'the cursor ends on a fresh row');
  });

  void it('wraps long committed lines and styled rows so each row stands alone', () => {
    const { vt, region } = setup(10, 6, { wordWrap: false });
    region.commit([s.green('x'.repeat(25))]);
    region.setLive([s.red('y'.repeat(12))]);
    region.flush();
    assert.deepEqual(vt.allText(), ['xxxxxxxxxx', 'xxxxxxxxxx', 'xxxxx', 'yyyyyyyyyy', 'yy']);
  });

  void it('keeps only the last rows of a live region taller than the screen', () => {
    const { vt, region } = setup(20, 4);
    region.commit(['above']);
    region.setLive(Array.from({ length: 10 }, (_, i) => `row ${i}`), { row: 9, col: 3 });
    region.flush();
    assert.deepEqual(vt.screenText(), ['row 6', 'row 7', 'row 8', 'row 9']);
    region.setLive(['short'], { row: 0, col: 5 });
    region.flush();
    assert.deepEqual(vt.allText(), ['above', 'short'], 'rows clipped off the top were never written');
    assert.deepEqual([vt.cursorRow, vt.cursorCol], [0, 5]);
  });

  void it('places the cursor where asked and shows it; hides it when no cursor is given', () => {
    const { vt, region } = setup(20, 6);
    region.setLive(['queued', '> hello', 'status'], { row: 1, col: 7 });
    region.flush();
    assert.deepEqual([vt.cursorRow, vt.cursorCol, vt.cursorVisible], [1, 7, true]);
    region.setLive(['thinking']);
    region.flush();
    assert.equal(vt.cursorVisible, false);
    assert.deepEqual(vt.allText(), ['thinking']);
  });

  void it('redraws in place after the terminal gets narrower (reflowing) or wider', () => {
    const { vt, out, region } = setup(40, 10);
    region.commit(['settled one', 'settled two']);
    region.setLive(['a live row that is quite long indeed', '> typed', 'status line here'], { row: 1, col: 7 });
    region.flush();
    vt.resize(12, 10);
    out.columns = 12;
    region.resize(12, 10);
    region.flush();
    const narrow = ['settled one', 'settled two', 'a live row', 'that is', 'quite long', 'indeed', '> typed', 'status line', 'here'];
    assert.deepEqual(vt.allText(), narrow);
    vt.resize(50, 10);
    region.resize(50, 10);
    region.flush();
    assert.deepEqual(vt.allText(), ['settled one', 'settled two', 'a live row that is quite long indeed', '> typed', 'status line here']);
  });

  void it('redraws in place after narrowing when the last row filled the width (pending wrap)', () => {
    const { vt, out, region } = setup(20, 10);
    region.commit(['settled']);
    region.setLive(['short', 'y'.repeat(20)]);
    region.flush();
    for (const width of [13, 7, 5]) {
      vt.resize(width, 10);
      out.columns = width;
      region.resize(width, 10);
      region.setLive(['short', 'y'.repeat(width)]);
      region.flush();
      assert.deepEqual(vt.allText(), [...wrapAnsi('settled', width), 'short', 'y'.repeat(width)], `at ${width}`);
    }
  });

  void it('suspends (erasing the live rows) and resumes below whatever was printed meanwhile', () => {
    const { vt, region } = setup(20, 6);
    region.commit(['before']);
    region.setLive(['> input']);
    region.flush();
    region.commit(['pending']);
    region.suspend();
    assert.deepEqual(vt.allText(), ['before', 'pending']);
    assert.equal(vt.cursorVisible, true);
    vt.write('child output\r\n');
    region.setLive(['> input again']);
    region.resume();
    region.flush();
    assert.deepEqual(vt.allText(), ['before', 'pending', 'child output', '> input again']);
  });

  void it('ignores calls after close and writes nothing more', () => {
    const { out, region } = setup();
    region.setLive([]);
    region.commit(['last']);
    region.close();
    const writes = out.chunks.length;
    region.commit(['late']);
    region.setLive(['late']);
    region.flush();
    region.close();
    assert.equal(out.chunks.length, writes);
  });
});
