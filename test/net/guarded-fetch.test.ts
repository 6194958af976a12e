import zlib from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { GANTRY_USER_AGENT, guardedFetch, WebAccessError, type GuardedFetchOptions } from '../../src/net/guarded-fetch.ts';
import { DEFAULT_WEB_POLICY, type WebPolicy } from '../../src/net/web-policy.ts';
import { fakeDns, useLoopbackTripwire, refuseLookup, startLoopbackServer, webAccessError as refusal, type LoopbackServer } from './net-harness.ts';

// No real DNS query may leave the machine: the system resolver answers only what a test scripts.
vi.mock('node:dns/promises', () => ({
  lookup: vi.fn(async (hostname: string) => {
    throw Object.assign(new Error(`test tried a real DNS lookup of ${hostname}`), { code: 'ETESTDNS' });
  }),
}));

const tripwire = useLoopbackTripwire();

const servers: LoopbackServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
  expect(tripwire.violations).toEqual([]);
});

async function serve(handler: Parameters<typeof startLoopbackServer>[0], host?: '127.0.0.1' | '::1'): Promise<LoopbackServer> {
  const server = await startLoopbackServer(handler, host);
  servers.push(server);
  return server;
}

/** What `GANTRY_WEB_ALLOW=127.0.0.1:<port>,...` gives, with a resolver that must not be asked. */
function allowing(...servers: LoopbackServer[]): WebPolicy {
  return { allow: servers.map((server) => ({ host: '127.0.0.1', port: server.port })), lookup: refuseLookup };
}

describe('guardedFetch', () => {
  it('fetches from an allowed loopback port and sends the Gantry user agent', async () => {
    const server = await serve((_request, response) => {
      response.setHeader('content-type', 'Text/HTML; charset=utf-8');
      response.setHeader('set-cookie', ['a=1', 'b=2']);
      response.end('<p>hello</p>');
    });
    const response = await guardedFetch(`${server.origin}/page?q=1`, { policy: allowing(server) });
    expect(response).toMatchObject({ url: `${server.origin}/page?q=1`, status: 200, truncated: false, redirects: [], contentType: 'text/html' });
    expect(response.body.toString()).toEqual('<p>hello</p>');
    expect(response.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    expect(server.requests[0]).toMatchObject({ method: 'GET', url: '/page?q=1' });
    expect(server.requests[0]!.headers['user-agent']).toEqual(GANTRY_USER_AGENT);
    expect(server.requests[0]!.headers['accept-encoding']).toEqual('gzip, deflate, br');
    expect(GANTRY_USER_AGENT).toMatch(/^Gantry\/\d+\.\d+\.\d+ \(\+https:\/\/github\.com\/gantry; tool-augmented agent\)$/);
  });

  it('sends the method, body, headers and a custom user agent', async () => {
    const server = await serve((_request, response) => response.end());
    const response = await guardedFetch(server.origin, {
      policy: allowing(server),
      method: 'post',
      headers: { 'Content-Type': 'application/json', 'X-Test': 'yes', Host: 'evil.example' },
      body: '{"a":1}',
      userAgent: 'Custom/1.0',
    });
    expect(response.contentType).toEqual('');
    expect(server.requests[0]).toMatchObject({ method: 'POST', body: '{"a":1}' });
    expect(server.requests[0]!.headers).toMatchObject({
      'content-type': 'application/json',
      'x-test': 'yes',
      'user-agent': 'Custom/1.0',
      host: `127.0.0.1:${server.port}`,
    });
  });

  it('returns HTTP errors as responses', async () => {
    const server = await serve((_request, response) => {
      response.statusCode = 404;
      response.end('not here');
    });
    const response = await guardedFetch(server.origin, { policy: allowing(server) });
    expect(response.status).toEqual(404);
    expect(response.body.toString()).toEqual('not here');
  });

  it('fetches from an allowed IPv6 loopback port', async () => {
    const server = await serve((_request, response) => response.end('over IPv6'), '::1');
    const response = await guardedFetch(`http://[::1]:${server.port}/`, { policy: { allow: [{ host: '::1', port: server.port }], lookup: refuseLookup } });
    expect(response.body.toString()).toEqual('over IPv6');
  });

  it('refuses loopback by default, before connecting', async () => {
    const server = await serve((_request, response) => response.end('secret'));
    const error = await refusal(guardedFetch(`${server.origin}/admin`, { policy: DEFAULT_WEB_POLICY }));
    expect(error).toBeInstanceOf(WebAccessError);
    expect(error.reason).toEqual('address');
    expect(error.message).toContain(`set GANTRY_WEB_ALLOW=127.0.0.1:${server.port} to allow it`);
    expect(server.requests).toEqual([]);
  });

  it('refuses a loopback port that is not the allowed one', async () => {
    const allowed = await serve((_request, response) => response.end());
    const other = await serve((_request, response) => response.end('secret'));
    expect((await refusal(guardedFetch(other.origin, { policy: allowing(allowed) }))).reason).toEqual('address');
    expect(other.requests).toEqual([]);
  });

  it.each(['file:///etc/passwd', 'ftp://127.0.0.1/', 'data:text/plain,hi', 'javascript:alert(1)'])('refuses %s', async (url) => {
    expect((await refusal(guardedFetch(url, { policy: { allow: [{ host: '127.0.0.1' }] } }))).reason).toEqual('scheme');
  });

  describe('redirects', () => {
    it('follows relative and absolute redirects, in a chain, checking each hop', async () => {
      const target = await serve((_request, response) => response.end('arrived'));
      const start = await serve((request, response) => {
        const next: Record<string, string> = { '/a': 'b', '/b': '/c?x=1', '/c?x=1': `${target.origin}/end` };
        response.writeHead(request.url === '/a' ? 301 : 302, { location: next[request.url ?? ''] ?? '/' });
        response.end('moving');
      });
      const response = await guardedFetch(`${start.origin}/a`, { policy: allowing(start, target) });
      expect(response.status).toEqual(200);
      expect(response.body.toString()).toEqual('arrived');
      expect(response.url).toEqual(`${target.origin}/end`);
      expect(response.redirects).toEqual([`${start.origin}/a`, `${start.origin}/b`, `${start.origin}/c?x=1`]);
    });

    it('turns a POST into a body-less GET on 303 and repeats it on 307', async () => {
      const server = await serve((request, response) => {
        if (request.url === '/see-other') response.writeHead(303, { location: '/result' });
        else if (request.url === '/temporary') response.writeHead(307, { location: '/result' });
        response.end();
      });
      const options: GuardedFetchOptions = { policy: allowing(server), method: 'POST', body: 'payload', headers: { 'content-type': 'text/plain' } };
      await guardedFetch(`${server.origin}/see-other`, options);
      await guardedFetch(`${server.origin}/temporary`, options);
      expect(server.requests.map(({ method, url, body, headers }) => [method, url, body, headers['content-type']])).toEqual([
        ['POST', '/see-other', 'payload', 'text/plain'],
        ['GET', '/result', '', undefined],
        ['POST', '/temporary', 'payload', 'text/plain'],
        ['POST', '/result', 'payload', 'text/plain'],
      ]);
    });

    it('drops credentials when a redirect leaves the origin', async () => {
      const other = await serve((_request, response) => response.end());
      const start = await serve((request, response) => {
        response.writeHead(302, { location: request.url === '/same' ? '/landing' : `${other.origin}/landing` });
        response.end();
      });
      const options: GuardedFetchOptions = { policy: allowing(start, other), headers: { authorization: 'Bearer secret', cookie: 'c=1' } };
      await guardedFetch(`${start.origin}/same`, options);
      await guardedFetch(`${start.origin}/away`, options);
      expect(start.requests[1]!.headers).toMatchObject({ authorization: 'Bearer secret', cookie: 'c=1' });
      expect(other.requests[0]!.headers.authorization).toBeUndefined();
      expect(other.requests[0]!.headers.cookie).toBeUndefined();
    });

    it('refuses more redirects than allowed', async () => {
      const server = await serve((request, response) => {
        const n = Number(request.url?.slice(1) ?? 0);
        response.writeHead(302, { location: `/${n + 1}` });
        response.end();
      });
      const error = await refusal(guardedFetch(`${server.origin}/0`, { policy: allowing(server), maxRedirects: 3 }));
      expect(error.reason).toEqual('redirect');
      expect(error.message).toEqual(`Refused to follow more than 3 redirects, starting at ${server.origin}/0; the last pointed to /4.`);
      expect(server.requests.length).toEqual(4);
      expect((await refusal(guardedFetch(`${server.origin}/0`, { policy: allowing(server), maxRedirects: 0 }))).reason).toEqual('redirect');
    });

    it('refuses a redirect to a cloud metadata address', async () => {
      const server = await serve((_request, response) => {
        response.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/iam/' });
        response.end();
      });
      const error = await refusal(guardedFetch(`${server.origin}/go`, { policy: allowing(server) }));
      expect(error.reason).toEqual('address');
      expect(error.url).toEqual('http://169.254.169.254/latest/meta-data/iam/');
      expect(error.message).toEqual(
        `Refused http://169.254.169.254/latest/meta-data/iam/ (redirected from ${server.origin}/go): 169.254.169.254 is a cloud metadata address. Gantry does not reach cloud metadata services unless allowed: set GANTRY_WEB_ALLOW=169.254.169.254:80 to allow it.`,
      );
    });

    it('refuses a redirect to a hostname that resolves to a private address', async () => {
      const server = await serve((_request, response) => {
        response.writeHead(301, { location: 'http://internal.example:8080/' });
        response.end();
      });
      const lookup = fakeDns({ 'internal.example': ['10.20.30.40'] });
      const error = await refusal(guardedFetch(server.origin, { policy: { ...allowing(server), lookup } }));
      expect(error.context).toMatchObject({ hostname: 'internal.example', address: '10.20.30.40', addressClass: 'private' });
      expect(lookup.calls).toEqual(['internal.example']);
    });

    it('refuses a redirect from an allowed port to a loopback port that is not allowed', async () => {
      const hidden = await serve((_request, response) => response.end('secret'));
      const server = await serve((_request, response) => {
        response.writeHead(302, { location: `http://127.0.0.1:${hidden.port}/admin` });
        response.end();
      });
      const error = await refusal(guardedFetch(server.origin, { policy: allowing(server) }));
      expect(error.reason).toEqual('address');
      expect(hidden.requests).toEqual([]);
    });

    it('refuses a redirect to another scheme', async () => {
      const server = await serve((_request, response) => {
        response.writeHead(302, { location: 'file:///etc/passwd' });
        response.end();
      });
      const error = await refusal(guardedFetch(server.origin, { policy: allowing(server) }));
      expect(error.reason).toEqual('scheme');
      expect(error.message).toEqual(`Refused file:///etc/passwd (redirected from ${server.origin}/): only http and https URLs can be fetched, not file:`);
    });
  });

  describe('DNS pinning', () => {
    it('resolves a name once and connects to the vetted address, keeping the Host header', async () => {
      const server = await serve((_request, response) => response.end('pinned'));
      // A rebinding resolver: the first answer is the allowed one, every later answer is not.
      const answers = [['127.0.0.1'], ['10.9.9.9']];
      const calls: string[] = [];
      const lookup = async (hostname: string) => {
        calls.push(hostname);
        return answers[Math.min(calls.length - 1, 1)]!;
      };
      const policy: WebPolicy = { allow: [{ host: 'intranet.test', port: server.port }], lookup };
      const response = await guardedFetch(`http://intranet.test:${server.port}/`, { policy });
      expect(response.body.toString()).toEqual('pinned');
      expect(calls).toEqual(['intranet.test']);
      expect(server.requests[0]!.headers.host).toEqual(`intranet.test:${server.port}`);
    });

    it('re-resolves and re-checks the name on every hop', async () => {
      const server = await serve((request, response) => {
        if (request.url === '/start') response.writeHead(302, { location: '/next' });
        response.end();
      });
      let call = 0;
      const lookup = async () => (++call === 1 ? ['127.0.0.1'] : ['10.9.9.9']);
      const policy: WebPolicy = { allow: [{ host: '127.0.0.1', port: server.port }], lookup };
      const error = await refusal(guardedFetch(`http://rebind.test:${server.port}/start`, { policy }));
      expect(error.context).toMatchObject({ address: '10.9.9.9' });
      expect(server.requests.map((request) => request.url)).toEqual(['/start']);
    });
  });

  describe('bodies', () => {
    const text = 'Gantry reads compressed pages. '.repeat(200);
    it.each([
      ['gzip', zlib.gzipSync(text)],
      ['x-gzip', zlib.gzipSync(text)],
      ['deflate', zlib.deflateSync(text)],
      ['deflate', zlib.deflateRawSync(text)],
      ['br', zlib.brotliCompressSync(text)],
      ['deflate, gzip', zlib.gzipSync(zlib.deflateSync(text))],
    ])('decodes %s', async (encoding, compressed) => {
      const server = await serve((_request, response) => {
        response.writeHead(200, { 'content-encoding': encoding, 'content-type': 'text/plain' });
        response.end(compressed);
      });
      const response = await guardedFetch(server.origin, { policy: allowing(server) });
      expect(response.body.toString()).toEqual(text);
      expect(response.truncated).toBe(false);
    });

    it('reports a corrupt compressed body as a network error', async () => {
      const server = await serve((_request, response) => {
        response.writeHead(200, { 'content-encoding': 'gzip' });
        response.end('this is not gzip');
      });
      const error = await refusal(guardedFetch(server.origin, { policy: allowing(server) }));
      expect(error.reason).toEqual('network');
      expect(error.message).toEqual(`Could not fetch ${server.origin}/: incorrect header check (Z_DATA_ERROR)`);
    });

    it('passes an unknown encoding through undecoded', async () => {
      const server = await serve((_request, response) => {
        response.writeHead(200, { 'content-encoding': 'compress' });
        response.end('raw bytes');
      });
      expect((await guardedFetch(server.origin, { policy: allowing(server) })).body.toString()).toEqual('raw bytes');
    });

    it('cuts a huge streaming body at maxBytes and stops reading', async () => {
      let closed!: () => void;
      const serverSawClose = new Promise<void>((resolve) => (closed = resolve));
      let written = 0;
      const server = await serve((_request, response) => {
        const chunk = Buffer.alloc(64 * 1024, 'x');
        response.on('close', closed);
        const pump = () => {
          while (!response.destroyed && response.write(chunk)) written += chunk.length;
          if (!response.destroyed) response.once('drain', pump);
        };
        pump();
      });
      const response = await guardedFetch(server.origin, { policy: allowing(server), maxBytes: 100_000 });
      expect(response.body.length).toEqual(100_000);
      expect(response.truncated).toBe(true);
      await serverSawClose;
      expect(written).toBeLessThan(64 * 2 ** 20);
    });

    it('cuts a compression bomb after decoding', async () => {
      const bomb = zlib.gzipSync(Buffer.alloc(32 * 2 ** 20));
      const server = await serve((_request, response) => {
        response.writeHead(200, { 'content-encoding': 'gzip' });
        response.end(bomb);
      });
      const response = await guardedFetch(server.origin, { policy: allowing(server), maxBytes: 2 ** 20 });
      expect(bomb.length).toBeLessThan(64 * 1024);
      expect(response.body.length).toEqual(2 ** 20);
      expect(response.truncated).toBe(true);
    });

    it('keeps a body of exactly maxBytes whole', async () => {
      const server = await serve((_request, response) => response.end('12345'));
      const response = await guardedFetch(server.origin, { policy: allowing(server), maxBytes: 5 });
      expect(response.body.toString()).toEqual('12345');
      expect(response.truncated).toBe(false);
    });
  });

  describe('time limits, cancelling and failures', () => {
    it('times out a server that never answers', async () => {
      const server = await serve(() => {});
      const error = await refusal(guardedFetch(server.origin, { policy: allowing(server), timeoutMs: 200 }));
      expect(error.reason).toEqual('timeout');
      expect(error.message).toEqual(`Fetching ${server.origin} took longer than 200 ms and was stopped.`);
    });

    it('times out a body that stalls after the headers', async () => {
      const server = await serve((_request, response) => {
        response.writeHead(200, { 'content-type': 'text/plain' });
        response.write('first part');
      });
      expect((await refusal(guardedFetch(server.origin, { policy: allowing(server), timeoutMs: 300 }))).reason).toEqual('timeout');
    });

    it('cancels with the signal and rejects with its reason', async () => {
      const server = await serve(() => {});
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 50);
      await expect(guardedFetch(server.origin, { policy: allowing(server), signal: controller.signal })).rejects.toMatchObject({ name: 'AbortError' });
    });

    it('does not connect when the signal is already aborted', async () => {
      const server = await serve((_request, response) => response.end());
      const reason = new Error('stopped by the user');
      await expect(guardedFetch(server.origin, { policy: allowing(server), signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
      expect(server.requests).toEqual([]);
    });

    it('reports a refused connection as a network error with its cause and the hop that failed', async () => {
      const server = await serve(() => {});
      const { port } = server;
      await server.close();
      const start = await serve((_request, response) => {
        response.writeHead(302, { location: `http://127.0.0.1:${port}/` });
        response.end();
      });
      const error = await refusal(guardedFetch(start.origin, { policy: { allow: [{ host: '127.0.0.1' }] } }));
      expect(error.reason).toEqual('network');
      expect(error.url).toEqual(`http://127.0.0.1:${port}/`);
      expect(error.message).toMatch(new RegExp(`^Could not fetch http://127.0.0.1:${port}/: .*ECONNREFUSED`));
      expect(error.cause).toBeInstanceOf(Error);
    });
  });
});
