import { UserError } from '../../agent/errors.ts';

/** How long a tool call may take by default, and the least that starting a server may take. */
export const DEFAULT_MCP_TIMEOUT_MS = 60_000;

/** An MCP server started as a child process and spoken to over its stdin and stdout. */
export interface McpStdioServerConfig {
  /** The server's name: the prefix of its tools' names (`name__tool`). */
  name: string;
  /** The program to run (looked up on `PATH`). */
  command: string;
  args?: string[];
  /**
   * The child's whole environment, besides `PATH` (taken from this process unless given here).
   * Nothing else of this process's environment is passed on, so keys and tokens stay here.
   */
  env?: Record<string, string>;
  /** The working directory; the current one by default. */
  cwd?: string;
  /** How long one tool call may take, in milliseconds (60 s by default); starting gets at least 60 s. */
  timeoutMs?: number;
}

/** An MCP server reached over HTTP. */
export interface McpHttpServerConfig {
  /** The server's name: the prefix of its tools' names (`name__tool`). */
  name: string;
  /** The server's MCP endpoint (`http:` or `https:`). */
  url: string;
  /** Sent with every request (an `Authorization` header, for example). */
  headers?: Record<string, string>;
  /**
   * `streamable-http` (the current transport), `sse` (the deprecated HTTP+SSE transport), or
   * `auto` (the default): Streamable HTTP first, and SSE when the server answers the first POST
   * with a 4xx status, as the MCP specification's backwards-compatibility section describes.
   */
  transport?: 'auto' | 'streamable-http' | 'sse';
  /** How long one tool call may take, in milliseconds (60 s by default); starting gets at least 60 s. */
  timeoutMs?: number;
}

export type McpServerConfig = McpStdioServerConfig | McpHttpServerConfig;

export function isStdioConfig(config: McpServerConfig): config is McpStdioServerConfig {
  return 'command' in config;
}

/**
 * Checks a server configuration. Throws a `UserError` naming the field to fix; a server that
 * merely cannot be reached is not a configuration error and is reported by `connectMcpServer`.
 */
export function assertMcpServerConfig(config: McpServerConfig): void {
  const label = typeof config?.name === 'string' && config.name.trim() !== '' ? `MCP server "${config.name}"` : 'An MCP server';
  const fail = (problem: string): never => {
    throw new UserError(`${label} is misconfigured: ${problem}`, { context: { server: config?.name } });
  };
  if (typeof config !== 'object' || config === null) fail('its configuration must be an object.');
  if (typeof config.name !== 'string' || config.name.trim() === '') fail('"name" must be a non-empty string.');
  const hasCommand = 'command' in config && config.command !== undefined;
  const hasUrl = 'url' in config && config.url !== undefined;
  if (hasCommand && hasUrl) fail('give either "command" (a local server) or "url" (a remote one), not both.');
  if (!hasCommand && !hasUrl) fail('give "command" (a local server) or "url" (a remote one).');
  if (config.timeoutMs !== undefined && !(Number.isFinite(config.timeoutMs) && config.timeoutMs > 0)) {
    fail(`"timeoutMs" must be a positive number of milliseconds (got ${JSON.stringify(config.timeoutMs)}).`);
  }
  if (isStdioConfig(config)) {
    if (typeof config.command !== 'string' || config.command.trim() === '') fail('"command" must be a non-empty string.');
    if (config.args !== undefined && !(Array.isArray(config.args) && config.args.every((arg) => typeof arg === 'string'))) {
      fail('"args" must be an array of strings.');
    }
    assertStringRecord({ value: config.env, field: 'env', fail });
    if (config.cwd !== undefined && typeof config.cwd !== 'string') fail('"cwd" must be a string.');
    return;
  }
  let url: URL | undefined;
  try {
    url = new URL(config.url);
  } catch {
    fail(`"url" is not a valid URL (got ${JSON.stringify(config.url)}).`);
  }
  if (url!.protocol !== 'http:' && url!.protocol !== 'https:') fail(`"url" must use http: or https: (got ${url!.protocol}).`);
  assertStringRecord({ value: config.headers, field: 'headers', fail });
  const transports = ['auto', 'streamable-http', 'sse'];
  if (config.transport !== undefined && !transports.includes(config.transport)) {
    fail(`"transport" must be one of ${transports.join(', ')} (got ${JSON.stringify(config.transport)}).`);
  }
}

function assertStringRecord({ value, field, fail }: { value: unknown; field: string; fail: (problem: string) => never }): void {
  if (value === undefined) return;
  const ok = typeof value === 'object' && value !== null && !Array.isArray(value) &&
    Object.values(value).every((entry) => typeof entry === 'string');
  if (!ok) fail(`"${field}" must be an object whose values are strings.`);
}

/** The server as a person would recognise it: its URL, or its command line. */
export function describeServerSource(config: McpServerConfig): string {
  if (!isStdioConfig(config)) return config.url;
  return [config.command, ...(config.args ?? [])].map((part) => (/^[\w@%+=:,./-]+$/.test(part) ? part : JSON.stringify(part))).join(' ');
}
