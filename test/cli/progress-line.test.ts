import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ProgressLine, progressBar } from '../../src/cli/progress-line.ts';

class Terminal extends Writable {
  writes: string[] = [];
  readonly isTTY: boolean;
  readonly columns = 20;

  constructor(isTTY: boolean) {
    super();
    this.isTTY = isTTY;
  }

  override _write(chunk: Buffer | string, _encoding: BufferEncoding, done: () => void): void {
    this.writes.push(chunk.toString());
    done();
  }
}

describe('ProgressLine', () => {
  it('redraws in place at most once per interval, cuts to the width, and clears', () => {
    const stream = new Terminal(true);
    let now = 0;
    const line = new ProgressLine({ stream, intervalMs: 100, now: () => now });
    line.update('first');
    now = 50;
    line.update('too soon');
    now = 100;
    line.update('a line much longer than twenty columns');
    now = 120;
    line.update('forced', { force: true });
    line.clear();
    line.clear();
    expect(stream.writes).toEqual(['\r\x1b[2Kfirst', '\r\x1b[2Ka line much longer…', '\r\x1b[2Kforced', '\r\x1b[2K']);
  });

  it('draws nothing when the stream is not a terminal', () => {
    const stream = new Terminal(false);
    const line = new ProgressLine({ stream });
    line.update('hidden', { force: true });
    line.clear();
    expect(stream.writes).toEqual([]);
  });

  it('draws a bar for a fraction', () => {
    expect(progressBar({ fraction: 0.25, width: 8 })).toEqual('[##······]');
    expect(progressBar({ fraction: 2, width: 4 })).toEqual('[####]');
  });
});
