import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BLOCKED_HEADER, PROXY_ERROR_HEADER, startGuardProxy, type GuardProxy } from '../../../src/tools/web/browser/guard-proxy.ts';

// The proxy on its own, spoken to the way Chromium speaks to it: absolute-form requests for
// http: and CONNECT tunnels for the rest.

let target: Server;
let targetPort: number;
const seen: { url: string; host: string | undefined }[] = [];

beforeAll(async () => {
  target = createServer((incoming, response) => {
    seen.push({ url: incoming.url ?? '', host: incoming.headers.host });
    if (incoming.url === '/moved') {
      response.writeHead(302, { location: 'http://elsewhere.test/' });
      return response.end();
    }
    response.writeHead(200, { 'content-type': 'text/plain' });
    response.end(`hello from ${incoming.url}`);
  });
  await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
  targetPort = (target.address() as AddressInfo).port;
});
afterAll(() => new Promise((resolve) => target.close(resolve)));

let proxy: GuardProxy | undefined;
afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
  seen.length = 0;
});

/** Allows `named.test` (vetted as 127.0.0.1) and refuses every other host. */
async function startNamedOnlyProxy() {
  const refused: string[] = [];
  const authorized: string[] = [];
  proxy = await startGuardProxy({
    authorize: async (url) => {
      authorized.push(url.href);
      if (url.hostname === 'named.test') return ['127.0.0.1'];
      throw new Error(`Refused ${url.href}: not on the list.`);
    },
    onRefused: (url) => refused.push(url),
  });
  return { proxyPort: Number(new URL(proxy.server).port), refused, authorized };
}

function viaProxy(proxyPort: number, url: string): Promise<{ status: number; headers: IncomingMessage['headers']; body: string }> {
  return new Promise((resolve, reject) => {
    const outgoing = request({ host: '127.0.0.1', port: proxyPort, path: url, headers: { host: new URL(url, 'http://relative.test').host } }, (response) => {
      let body = '';
      response.on('data', (chunk) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}

function connect(proxyPort: number, authority: string): Promise<{ status: number; headers: IncomingMessage['headers']; socket: Socket }> {
  return new Promise((resolve, reject) => {
    const outgoing = request({ host: '127.0.0.1', port: proxyPort, method: 'CONNECT', path: authority });
    outgoing.on('connect', (response, socket) => resolve({ status: response.statusCode ?? 0, headers: response.headers, socket }));
    outgoing.on('error', reject);
    outgoing.end();
  });
}

describe('guard proxy', () => {
  it('forwards an authorized request to the vetted address, keeping the Host header', async () => {
    const { proxyPort, authorized } = await startNamedOnlyProxy();
    const reply = await viaProxy(proxyPort, `http://named.test:${targetPort}/page?q=1`);
    expect(reply).toMatchObject({ status: 200, body: 'hello from /page?q=1' });
    expect(seen).toEqual([{ url: '/page?q=1', host: `named.test:${targetPort}` }]);
    expect(authorized).toEqual([`http://named.test:${targetPort}/page?q=1`]);
  });

  it('passes redirects back unfollowed, so the next hop comes back to be checked', async () => {
    const { proxyPort, authorized } = await startNamedOnlyProxy();
    const reply = await viaProxy(proxyPort, `http://named.test:${targetPort}/moved`);
    expect(reply.status).toBe(302);
    expect(reply.headers.location).toBe('http://elsewhere.test/');
    expect(authorized).toEqual([`http://named.test:${targetPort}/moved`]);
  });

  it('refuses an unauthorized request with a 403 that names the reason, connecting nowhere', async () => {
    const { proxyPort, refused } = await startNamedOnlyProxy();
    const reply = await viaProxy(proxyPort, `http://127.0.0.1:${targetPort}/secret`);
    expect(reply.status).toBe(403);
    expect(reply.headers[BLOCKED_HEADER]).toBe(`Refused http://127.0.0.1:${targetPort}/secret: not on the list.`);
    expect(refused).toEqual([`http://127.0.0.1:${targetPort}/secret`]);
    expect(seen).toEqual([]);
  });

  it('opens CONNECT tunnels only to authorized hosts', async () => {
    const { proxyPort, refused } = await startNamedOnlyProxy();
    const denied = await connect(proxyPort, `127.0.0.1:${targetPort}`);
    expect(denied.status).toBe(403);
    expect(denied.headers[BLOCKED_HEADER]).toBe(`Refused https://127.0.0.1:${targetPort}/: not on the list.`);
    denied.socket.destroy();
    expect(refused).toEqual([`https://127.0.0.1:${targetPort}/`]);

    const tunnel = await connect(proxyPort, `named.test:${targetPort}`);
    expect(tunnel.status).toBe(200);
    const answer = await new Promise<string>((resolve) => {
      let text = '';
      tunnel.socket.on('data', (chunk) => (text += chunk));
      tunnel.socket.on('end', () => resolve(text));
      tunnel.socket.write(`GET /tunnelled HTTP/1.1\r\nHost: named.test\r\nConnection: close\r\n\r\n`);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\n15\r\nhello from \/tunnelled\r\n0\r\n\r\n$/);
  });

  it('answers 502 with the reason when the vetted address does not answer', async () => {
    // A port that was free a moment ago: the connection to it is refused.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const { proxyPort } = await startNamedOnlyProxy();
    const reply = await viaProxy(proxyPort, `http://named.test:${closedPort}/`);
    expect(reply.status).toBe(502);
    expect(reply.headers[PROXY_ERROR_HEADER]).toMatch(/ECONNREFUSED/);
  });

  it('refuses requests that are not addressed to a forward proxy', async () => {
    const { proxyPort, authorized } = await startNamedOnlyProxy();
    const reply = await viaProxy(proxyPort, '/relative');
    expect(reply.status).toBe(400);
    expect(authorized).toEqual([]);
  });

  it('closes open tunnels when it closes', async () => {
    const { proxyPort } = await startNamedOnlyProxy();
    const tunnel = await connect(proxyPort, `named.test:${targetPort}`);
    const closed = new Promise<void>((resolve) => tunnel.socket.on('close', () => resolve()));
    await proxy!.close();
    proxy = undefined;
    await closed;
  });
});
