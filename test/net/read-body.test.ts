import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readBody } from '../../src/net/read-body.ts';

/** Splits bytes into small chunks so decoders see them arrive piece by piece. */
function streamOf(bytes: Buffer, chunkSize = 7): Readable {
  const chunks: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += chunkSize) chunks.push(bytes.subarray(at, at + chunkSize));
  return Readable.from(chunks);
}

describe('readBody', () => {
  const text = Buffer.from('a body that arrives in pieces '.repeat(50));

  it.each([
    ['', text],
    ['identity', text],
    ['GZIP', zlib.gzipSync(text)],
    ['deflate', zlib.deflateSync(text)],
    ['deflate', zlib.deflateRawSync(text)],
    ['br', zlib.brotliCompressSync(text)],
    ['gzip, br', zlib.brotliCompressSync(zlib.gzipSync(text))],
  ])('reads %j encoded chunks', async (contentEncoding, bytes) => {
    expect(await readBody({ body: streamOf(bytes), contentEncoding, maxBytes: 10_000 })).toEqual({ body: text, truncated: false });
  });

  it('cuts the decoded body at maxBytes and destroys the source', async () => {
    const body = streamOf(zlib.gzipSync(text));
    const read = await readBody({ body, contentEncoding: 'gzip', maxBytes: 100 });
    expect(read).toEqual({ body: text.subarray(0, 100), truncated: true });
    expect(body.destroyed).toBe(true);
  });

  it('passes an unknown coding through', async () => {
    expect(await readBody({ body: streamOf(text), contentEncoding: 'gzip, zstd', maxBytes: 10_000 })).toEqual({ body: text, truncated: false });
  });

  it('fails on a corrupt compressed body', async () => {
    await expect(readBody({ body: streamOf(Buffer.from('not gzip at all')), contentEncoding: 'gzip', maxBytes: 10_000 })).rejects.toMatchObject({ code: 'Z_DATA_ERROR' });
  });

  it('reads an empty compressed body', async () => {
    expect(await readBody({ body: Readable.from([]), contentEncoding: 'deflate', maxBytes: 10 })).toEqual({ body: Buffer.alloc(0), truncated: false });
  });
});
