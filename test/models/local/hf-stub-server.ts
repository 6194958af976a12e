import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One file the stub serves. */
export interface StubFile {
  bytes: Buffer;
  /** The X-Linked-Etag to send (default the bytes' real sha256); null sends none. */
  linkedEtag?: string | null;
  /** Destroy the socket after this many body bytes, as a dropped connection would. */
  cutAfter?: number;
  /** The CDN body waits for this before it starts, so a test can act while a download is in flight. */
  hold?: Promise<void>;
}

export interface HfStub {
  /** The value for HF_ENDPOINT. */
  endpoint: string;
  /** Every request path, in order. */
  requests: string[];
  /** Requests that reached the CDN (the file's bytes). */
  cdnRequests(): number;
  close(): Promise<void>;
}

/** The commit the stub says every revision resolves to. */
export const STUB_COMMIT = '0123456789abcdef0123456789abcdef01234567';

export function sha256Of(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * A stand-in for Hugging Face on 127.0.0.1, shaped like the real thing: `/USER/REPO/resolve/REV/FILE`
 * answers 302 to `/cdn/...`, with the LFS sha256 in `X-Linked-Etag` and the size in `x-linked-size`
 * on the redirect; the CDN answers with the bytes.
 */
export async function startHfStub(files: Record<string, StubFile>): Promise<HfStub> {
  const requests: string[] = [];
  const server: Server = createServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://stub').pathname);
    requests.push(path);
    if (path.startsWith('/cdn/')) {
      const file = files[path.slice('/cdn/'.length)];
      if (!file) return void response.writeHead(404).end();
      void serveBody(file, response);
      return;
    }
    const key = path.slice(1);
    const file = files[key];
    if (!file) return void response.writeHead(404, { 'content-type': 'text/plain' }).end('Entry not found');
    const etag = file.linkedEtag === undefined ? sha256Of(file.bytes) : file.linkedEtag;
    response.writeHead(302, {
      location: `/cdn/${key}`,
      'x-linked-size': String(file.bytes.length),
      ...(etag === null ? {} : { 'x-linked-etag': `"${etag}"` }),
      etag: '"not-the-sha256"',
      'x-repo-commit': STUB_COMMIT,
    });
    response.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    cdnRequests: () => requests.filter((path) => path.startsWith('/cdn/')).length,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function serveBody(file: StubFile, response: import('node:http').ServerResponse): Promise<void> {
  await file.hold;
  response.writeHead(200, { 'content-length': String(file.bytes.length), 'content-type': 'application/octet-stream' });
  if (file.cutAfter !== undefined) {
    response.write(file.bytes.subarray(0, file.cutAfter), () => response.socket?.destroy());
    return;
  }
  // Several chunks, so progress has something to show.
  const chunk = Math.max(1, Math.ceil(file.bytes.length / 8));
  for (let offset = 0; offset < file.bytes.length; offset += chunk) response.write(file.bytes.subarray(offset, offset + chunk));
  response.end();
}
