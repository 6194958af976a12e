import { describeError } from '../../agent/errors.ts';
import { jsonSchemaTool, type JsonSchemaObject, type Tool, type ToolFailure } from '../../tools/tool.ts';
import type { LoadedPlugin, PluginProblem } from '../plugin.ts';
import { withStderr, type McpTransportKind } from './open-client.ts';
import { renderCallResult } from './render-result.ts';
import { assertMcpServerConfig, DEFAULT_MCP_TIMEOUT_MS, describeServerSource, type McpServerConfig } from './server-config.ts';
import { CallFailure, ServerConnection } from './server-connection.ts';
import { ToolNamer } from './tool-names.ts';
import { readListedTools, type McpToolDefinition } from './listed-tools.ts';

export type { McpHttpServerConfig, McpServerConfig, McpStdioServerConfig } from './server-config.ts';
export type { McpTransportKind } from './open-client.ts';

/** An MCP server's tools, as a plugin. `tools` and `problems` always show the latest state. */
export interface McpPlugin extends LoadedPlugin {
  kind: 'mcp';
  /** The tools the server offers now (a new array on each read; it follows `tools/list_changed`). */
  readonly tools: Tool[];
  /**
   * The transport in use: `stdio`, `streamable-http` or `sse` (what `auto` settled on), or
   * `undefined` while the server is not connected.
   */
  readonly transport: McpTransportKind | undefined;
  /** How many times the server was restarted after it died. */
  readonly restarts: number;
}

/**
 * Starts or reaches an MCP server and lists its tools. Never throws for a server that cannot be
 * started or reached: the plugin then has no tools and an `error` problem. Throws a `UserError`
 * only for a malformed configuration.
 *
 * A server that dies (its process exits, its HTTP connection fails) turns the call in flight into
 * a tool error; the next call restarts it (connects again and lists its tools again), once per
 * call, and makes the call on the new session.
 */
export async function connectMcpServer(config: McpServerConfig): Promise<McpPlugin> {
  assertMcpServerConfig(config);
  const plugin = new McpServerPlugin(config);
  await plugin.start();
  return plugin;
}

class McpServerPlugin implements McpPlugin {
  readonly kind = 'mcp';
  readonly name: string;
  readonly source: string;
  readonly #config: McpServerConfig;
  readonly #timeoutMs: number;
  readonly #namer: ToolNamer;
  #connection: ServerConnection | undefined;
  #tools: Tool[] = [];
  /** Model-facing name → the server's own name, for the tools offered now. */
  #offered = new Map<string, string>();
  #listWarnings: PluginProblem[] = [];
  #stateProblem: PluginProblem | undefined;
  #restartProblem: PluginProblem | undefined;
  #restarts = 0;
  #restarting: Promise<ServerConnection> | undefined;
  #relisting: Promise<void> | undefined;
  #relistRequested = false;
  #closed = false;

  constructor(config: McpServerConfig) {
    this.#config = config;
    this.name = config.name;
    this.source = describeServerSource(config);
    this.#timeoutMs = config.timeoutMs ?? DEFAULT_MCP_TIMEOUT_MS;
    this.#namer = new ToolNamer(config.name);
  }

  get tools(): Tool[] {
    return [...this.#tools];
  }

  get problems(): PluginProblem[] {
    return [this.#stateProblem, this.#restartProblem, ...this.#listWarnings].filter((problem) => problem !== undefined);
  }

  get transport(): McpTransportKind | undefined {
    const connection = this.#connection;
    return connection && connection.lostReason === undefined ? connection.kind : undefined;
  }

  get restarts(): number {
    return this.#restarts;
  }

  async start(): Promise<void> {
    try {
      this.#connection = await this.#open();
    } catch (error) {
      this.#stateProblem = this.#problem({
        severity: 'error',
        message: `could not start or reach MCP server "${this.name}", so it offers no tools: ${describeError(error)}`,
      });
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#restarting?.catch(() => {});
    await this.#connection?.close();
  }

  /** Opens a session and lists its tools; throws (after closing the session) if either fails. */
  async #open(): Promise<ServerConnection> {
    let connection: ServerConnection | undefined;
    connection = await ServerConnection.open({
      config: this.#config,
      timeoutMs: this.#timeoutMs,
      onToolsChanged: () => {
        if (connection !== undefined && connection === this.#connection) this.#requestRelist();
      },
    });
    try {
      await this.#listTools(connection);
    } catch (error) {
      await connection.close();
      throw new Error(`listing its tools failed: ${describeError(error)}`, { cause: error });
    }
    return connection;
  }

  async #listTools(connection: ServerConnection): Promise<void> {
    if (!connection.offersTools) {
      this.#applyTools({ definitions: [], warnings: [{ message: 'the server does not offer tools (its handshake has no "tools" capability).' }] });
      return;
    }
    const listed = await connection.listTools();
    const { definitions, warnings } = readListedTools({ tools: listed.tools, namer: this.#namer, serverName: this.name });
    this.#applyTools({ definitions, warnings: [...listed.warnings.map((message) => ({ message })), ...warnings] });
  }

  #applyTools({ definitions, warnings }: { definitions: McpToolDefinition[]; warnings: { where?: string; message: string }[] }): void {
    this.#offered = new Map(definitions.map((definition) => [definition.name, definition.serverToolName]));
    this.#tools = definitions.map((definition) => this.#toTool(definition));
    this.#listWarnings = warnings.map((warning) => this.#problem({ severity: 'warning', ...warning }));
  }

  #toTool(definition: McpToolDefinition): Tool {
    return jsonSchemaTool({
      name: definition.name,
      description: definition.description,
      parameters: definition.parameters as JsonSchemaObject,
      execute: (input, { signal }) => this.#call({ name: definition.name, serverToolName: definition.serverToolName, args: input, signal }),
      ...(this.#config.timeoutMs === undefined ? {} : { timeoutMs: this.#config.timeoutMs }),
    });
  }

  async #call({ name, serverToolName, args, signal }: {
    name: string;
    serverToolName: string;
    args: Record<string, unknown>;
    signal: AbortSignal;
  }): Promise<string | ToolFailure> {
    let connection: ServerConnection;
    try {
      connection = await this.#liveConnection();
    } catch (error) {
      return { ok: false, error: describeError(error) };
    }
    if (this.#offered.get(name) !== serverToolName) {
      return {
        ok: false,
        error: `the MCP server "${this.name}" no longer offers the tool "${serverToolName}" (its tool list changed). ` +
          `It offers: ${[...this.#offered.keys()].join(', ') || 'no tools'}.`,
      };
    }
    try {
      const result = await connection.callTool({ name: serverToolName, args, signal });
      const text = renderCallResult(result);
      return result.isError === true ? { ok: false, error: text } : text;
    } catch (error) {
      if (!(error instanceof CallFailure)) throw error;
      if (!error.connectionLost) return { ok: false, error: error.message };
      const reason = `the MCP server "${this.name}" stopped: ${error.message}. The next call will restart it`;
      return { ok: false, error: error.stderr === '' ? `${reason}.` : withStderr({ reason, stderr: error.stderr }) };
    }
  }

  /** The current session, or a new one if the server died: one restart attempt per call. */
  async #liveConnection(): Promise<ServerConnection> {
    if (this.#closed) throw new Error(`the MCP server "${this.name}" was closed`);
    const current = this.#connection;
    if (current !== undefined && current.lostReason === undefined) return current;
    this.#restarting ??= this.#restart(current).finally(() => {
      this.#restarting = undefined;
    });
    return this.#restarting;
  }

  async #restart(dead: ServerConnection | undefined): Promise<ServerConnection> {
    const reason = dead?.lostReason;
    await dead?.close();
    let connection: ServerConnection;
    try {
      connection = await this.#open();
    } catch (error) {
      const message = `the MCP server "${this.name}" is not running (${reason ?? 'it never started'}) and restarting it failed: ` +
        `${describeError(error)}`;
      this.#stateProblem = this.#problem({ severity: 'error', message: `${message}. The next call will try again.` });
      throw new Error(message, { cause: error });
    }
    if (this.#closed) {
      await connection.close();
      throw new Error(`the MCP server "${this.name}" was closed`);
    }
    this.#connection = connection;
    this.#stateProblem = undefined;
    if (dead !== undefined) {
      this.#restarts += 1;
      this.#restartProblem = this.#problem({
        severity: 'warning',
        message: `server "${this.name}" restarted after ${reason ?? 'it stopped'} (${this.#restarts} restart${this.#restarts === 1 ? '' : 's'} so far)`,
      });
    }
    return connection;
  }

  /** Re-lists tools after `notifications/tools/list_changed`; notifications that arrive meanwhile coalesce. */
  #requestRelist(): void {
    this.#relistRequested = true;
    this.#relisting ??= this.#relistWhileRequested().finally(() => {
      this.#relisting = undefined;
    });
  }

  async #relistWhileRequested(): Promise<void> {
    while (this.#relistRequested) {
      this.#relistRequested = false;
      const connection = this.#connection;
      if (connection === undefined || connection.lostReason !== undefined || this.#closed) return;
      try {
        await this.#listTools(connection);
        if (this.#stateProblem?.where === 'tools/list') this.#stateProblem = undefined;
      } catch (error) {
        // A lost connection is handled by the next call's restart, which lists the tools again.
        if (error instanceof CallFailure && error.connectionLost) return;
        this.#stateProblem = this.#problem({
          severity: 'warning',
          where: 'tools/list',
          message: `re-listing tools after the server said they changed failed: ${describeError(error)}. The previous list is kept.`,
        });
      }
    }
  }

  #problem(fields: Omit<PluginProblem, 'source'>): PluginProblem {
    return { source: this.source, ...fields };
  }
}
