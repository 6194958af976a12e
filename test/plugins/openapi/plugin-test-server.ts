import { readFileSync } from 'node:fs';
import type http from 'node:http';
import { startLoopbackServer, type LoopbackServer } from '../../net/net-harness.ts';

/** A reply, or a fixture file whose `{{ORIGIN}}`, `{{HOST}}` and `{{OTHER_ORIGIN}}` are filled in when served. */
export type Route = { fixture: string; type?: string } | { json: unknown; status?: number } | { text: string; type?: string; status?: number };

export interface PluginTestServer extends LoopbackServer {
  /** Routes by path (without query); any other path answers 200 with the request echoed as JSON. */
  routes: Record<string, Route>;
  /** Filled into `{{OTHER_ORIGIN}}`. */
  otherOrigin: string;
}

export function fixtureText(name: string): string {
  return readFileSync(new URL(`../../fixtures/plugins/${name}`, import.meta.url), 'utf8');
}

export async function startPluginServer(routes: Record<string, Route> = {}): Promise<PluginTestServer> {
  const state = { origin: '', otherOrigin: '' };
  const fill = (text: string) =>
    text.replaceAll('{{ORIGIN}}', state.origin).replaceAll('{{HOST}}', state.origin.replace('http://', '')).replaceAll('{{OTHER_ORIGIN}}', state.otherOrigin);
  const server = await startLoopbackServer((request: http.IncomingMessage, response: http.ServerResponse, body: string) => {
    const path = (request.url ?? '/').split('?')[0]!;
    const route = plugin.routes[path];
    if (!route) {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ method: request.method, url: request.url, authorization: request.headers.authorization ?? null, body }));
    } else if ('fixture' in route) {
      response.writeHead(200, { 'content-type': route.type ?? (route.fixture.endsWith('.json') ? 'application/json' : 'application/yaml') });
      response.end(fill(fixtureText(route.fixture)));
    } else if ('json' in route) {
      response.writeHead(route.status ?? 200, { 'content-type': 'application/json' });
      response.end(fill(JSON.stringify(route.json)));
    } else {
      response.writeHead(route.status ?? 200, { 'content-type': route.type ?? 'text/plain' });
      response.end(route.text);
    }
  });
  state.origin = server.origin;
  const plugin: PluginTestServer = {
    ...server,
    routes,
    get otherOrigin() {
      return state.otherOrigin;
    },
    set otherOrigin(value: string) {
      state.otherOrigin = value;
    },
  };
  return plugin;
}
