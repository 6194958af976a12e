import { Readable, Writable } from 'node:stream';

/** A captured output stream; `isTTY` makes it pass for a terminal. */
export class CapturedStream extends Writable {
  text = '';
  isTTY: boolean;
  columns = 120;
  constructor({ isTTY = false }: { isTTY?: boolean } = {}) {
    super();
    this.isTTY = isTTY;
  }
  override _write(chunk: Buffer | string, _encoding: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

/** Stdin: a pipe holding `text`, or a terminal on which the user types `text`. */
export function fakeStdin({ text = '', isTTY = false }: { text?: string; isTTY?: boolean } = {}): Readable & { isTTY: boolean } {
  return Object.assign(Readable.from(text === '' ? [] : [text]), { isTTY });
}

/** A probe for a roomy machine, or a short one when told. */
export function fakeSystem({ freeMemory = 64e9, totalMemory = 64e9, freeDisk = 1e12 }: { freeMemory?: number; totalMemory?: number; freeDisk?: number } = {}) {
  return { freeMemoryBytes: () => freeMemory, totalMemoryBytes: () => totalMemory, freeDiskBytes: async () => freeDisk };
}
