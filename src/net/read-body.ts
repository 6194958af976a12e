import { pipeline, Transform, type Readable, type TransformCallback } from 'node:stream';
import zlib from 'node:zlib';

/** What `guardedFetch` asks servers for; every one of them is decoded below. */
export const ACCEPTED_ENCODINGS = 'gzip, deflate, br';

/**
 * Reads a response body, decoded, up to `maxBytes` (counted after decoding, so a compression
 * bomb is cut like any other large body). Past the cap it stops reading and destroys the stream,
 * which closes the connection; the cut is reported, not thrown. An unknown content encoding is
 * passed through undecoded.
 */
export async function readBody(options: { body: Readable; contentEncoding: string; maxBytes: number }): Promise<{ body: Buffer; truncated: boolean }> {
  const { body, maxBytes } = options;
  const decoders = decodersFor(options.contentEncoding);
  const source: Readable = decoders.length === 0 ? body : (pipeline([body, ...decoders], () => {}) as unknown as Readable);
  const chunks: Buffer[] = [];
  let size = 0;
  let truncated = false;
  try {
    for await (const chunk of source as AsyncIterable<Buffer>) {
      const room = maxBytes - size;
      if (chunk.length > room) {
        if (room > 0) chunks.push(chunk.subarray(0, room));
        size = maxBytes;
        truncated = true;
        break;
      }
      chunks.push(chunk);
      size += chunk.length;
    }
  } finally {
    // Breaking out of the loop destroys `source`; the raw body must go too when it differs.
    if (truncated) {
      // undici reports a destroyed body as an abort; the cut is deliberate.
      body.on('error', () => {});
      body.destroy();
    }
  }
  return { body: Buffer.concat(chunks, size), truncated };
}

/** Decoders to apply in order: encodings are listed in the order the server applied them. */
function decodersFor(contentEncoding: string): Transform[] {
  const codings = contentEncoding
    .split(',')
    .map((coding) => coding.trim().toLowerCase())
    .filter((coding) => coding !== '' && coding !== 'identity');
  const decoders: Transform[] = [];
  for (const coding of codings.reverse()) {
    if (coding === 'gzip' || coding === 'x-gzip') decoders.push(zlib.createGunzip({ finishFlush: zlib.constants.Z_SYNC_FLUSH }));
    else if (coding === 'deflate') decoders.push(new InflateEither());
    else if (coding === 'br') decoders.push(zlib.createBrotliDecompress({ finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH }));
    else return [];
  }
  return decoders;
}

/**
 * `Content-Encoding: deflate` should be zlib-wrapped, but some servers send raw deflate; the
 * first byte tells them apart (a zlib header's low nibble is 8), as browsers do.
 */
class InflateEither extends Transform {
  #inner: zlib.Inflate | zlib.InflateRaw | undefined;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (!this.#inner) {
      if (chunk.length === 0) return callback();
      const options = { finishFlush: zlib.constants.Z_SYNC_FLUSH };
      this.#inner = (chunk[0]! & 0x0f) === 0x08 ? zlib.createInflate(options) : zlib.createInflateRaw(options);
      this.#inner.on('data', (data: Buffer) => this.push(data));
      this.#inner.on('error', (error) => this.destroy(error));
    }
    this.#inner.write(chunk, callback);
  }

  override _flush(callback: TransformCallback): void {
    if (!this.#inner) return callback();
    this.#inner.once('end', () => callback());
    this.#inner.end();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#inner?.destroy();
    callback(error);
  }
}
