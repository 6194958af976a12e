import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { CallToolRequestSchema, ListToolsRequestSchema, type CallToolResult, type Tool } from '@modelcontextprotocol/sdk/types.js';

/** A tool of the test servers: its listing and what a call returns. */
export interface TestTool extends Tool {
  call(args: Record<string, unknown>, headers: IncomingMessage['headers']): CallToolResult;
}

export interface TestMcpServer {
  url: string;
  /** Every HTTP request the server received, in order. */
  requests: { method: string; path: string; headers: IncomingMessage['headers'] }[];
  /** How many `tools/list` pages were served. */
  listPages: number;
  /** Adds a tool and tells every connected client that the list changed. */
  addTool(tool: TestTool): Promise<void>;
  /** Removes a tool and tells every connected client that the list changed. */
  removeTool(name: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * An MCP server on 127.0.0.1 built with the SDK's low-level `Server`, so that `tools/list` can
 * page its answer (`pageSize` tools a page, the cursor being the next index).
 */
export async function startTestMcpServer({ transport, tools, pageSize, port = 0 }: {
  transport: 'streamable-http' | 'sse';
  tools: TestTool[];
  pageSize: number;
  /** A fixed port, to start a server again where a closed one was; any free port by default. */
  port?: number;
}): Promise<TestMcpServer> {
  const state = { tools: [...tools], servers: new Set<Server>() };
  const requests: TestMcpServer['requests'] = [];
  const handle = { listPages: 0 };
  const newMcpServer = (headersOf: () => IncomingMessage['headers']): Server => {
    const server = new Server({ name: 'test-server', version: '1.0.0' }, { capabilities: { tools: { listChanged: true } } });
    server.setRequestHandler(ListToolsRequestSchema, (request) => {
      handle.listPages += 1;
      const start = Number(request.params?.cursor ?? 0);
      const page = state.tools.slice(start, start + pageSize).map(({ call: _call, ...listing }) => listing);
      const next = start + pageSize;
      return { tools: page, ...(next < state.tools.length ? { nextCursor: String(next) } : {}) };
    });
    server.setRequestHandler(CallToolRequestSchema, (request) => {
      const tool = state.tools.find((candidate) => candidate.name === request.params.name);
      if (!tool) throw new Error(`no tool ${request.params.name}`);
      return tool.call(request.params.arguments ?? {}, headersOf());
    });
    state.servers.add(server);
    server.onclose = () => state.servers.delete(server);
    return server;
  };
  const handler = transport === 'sse' ? sseHandler(newMcpServer) : streamableHandler(newMcpServer);
  const http = createServer((req, res) => {
    requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers });
    handler(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500).end(String(error));
    });
  });
  await new Promise<void>((resolve) => http.listen(port, '127.0.0.1', resolve));
  const address = http.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}${transport === 'sse' ? '/sse' : '/mcp'}`,
    requests,
    get listPages() {
      return handle.listPages;
    },
    async addTool(tool) {
      state.tools.push(tool);
      await Promise.all([...state.servers].map((server) => server.sendToolListChanged()));
    },
    async removeTool(name) {
      state.tools = state.tools.filter((tool) => tool.name !== name);
      await Promise.all([...state.servers].map((server) => server.sendToolListChanged()));
    },
    close: () => closeHttp({ http, servers: state.servers }),
  };
}

type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

function streamableHandler(newMcpServer: (headersOf: () => IncomingMessage['headers']) => Server): Handler {
  const sessions = new Map<string, { transport: StreamableHTTPServerTransport; headers: IncomingMessage['headers'] }>();
  return async (req, res) => {
    const sessionId = req.headers['mcp-session-id'];
    const existing = typeof sessionId === 'string' ? sessions.get(sessionId) : undefined;
    if (existing) {
      existing.headers = req.headers;
      await existing.transport.handleRequest(req, res);
      return;
    }
    if (req.method !== 'POST' || sessionId !== undefined) {
      res.writeHead(404).end('unknown session');
      return;
    }
    const entry = { headers: req.headers } as { transport: StreamableHTTPServerTransport; headers: IncomingMessage['headers'] };
    entry.transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        sessions.set(id, entry);
      },
    });
    await newMcpServer(() => entry.headers).connect(entry.transport);
    await entry.transport.handleRequest(req, res);
  };
}

/** The deprecated HTTP+SSE transport: GET /sse opens the stream, POST /messages carries requests. */
function sseHandler(newMcpServer: (headersOf: () => IncomingMessage['headers']) => Server): Handler {
  const sessions = new Map<string, { transport: SSEServerTransport; headers: IncomingMessage['headers'] }>();
  return async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method === 'GET' && url.pathname === '/sse') {
      const entry = { transport: new SSEServerTransport('/messages', res), headers: req.headers };
      sessions.set(entry.transport.sessionId, entry);
      await newMcpServer(() => entry.headers).connect(entry.transport);
      return;
    }
    if (req.method === 'POST' && url.pathname === '/messages') {
      const entry = sessions.get(url.searchParams.get('sessionId') ?? '');
      if (!entry) {
        res.writeHead(404).end('unknown session');
        return;
      }
      entry.headers = req.headers;
      await entry.transport.handlePostMessage(req, res);
      return;
    }
    // What an old server says to a Streamable HTTP client's POST: this is the client's cue to fall back.
    res.writeHead(405, { allow: 'GET' }).end('Method Not Allowed');
  };
}

async function closeHttp({ http, servers }: { http: HttpServer; servers: Set<Server> }): Promise<void> {
  await Promise.all([...servers].map((server) => server.close().catch(() => {})));
  http.closeAllConnections();
  await new Promise<void>((resolve) => http.close(() => resolve()));
}
