import type { ToolLike } from '../tools/registered-tool.ts';

/**
 * The contract every plugin loader keeps: ChatGPT manifests with OpenAPI (`openapi/`), MCP servers
 * (`mcp/`) and local Gantry plugins (`local/`) all come out as a `LoadedPlugin`, so the registry,
 * the CLI and the agent treat them alike.
 */

export type PluginKind = 'openapi' | 'mcp' | 'local';

/**
 * Something wrong with a plugin that did not stop it from loading (a `warning`: an operation
 * skipped, a description cut) or that did (an `error`: the manifest could not be read). Problems
 * are reported, never thrown: one broken plugin never blocks the others.
 */
export interface PluginProblem {
  severity: 'error' | 'warning';
  /** The plugin's source, as given (a URL, a path, an MCP command). */
  source: string;
  /** Where in the plugin: an operation (`GET /pets/{id}`), a tool name, a manifest field. */
  where?: string;
  message: string;
}

export interface LoadedPlugin {
  /** The plugin's name (`name_for_model`, the MCP server's name, the local manifest's name). */
  name: string;
  kind: PluginKind;
  source: string;
  /** The tools it gives, with names already prefixed and made unique within the plugin. */
  tools: ToolLike[];
  problems: PluginProblem[];
  /** Releases what the plugin holds (an MCP server process or connection). Safe to call twice. */
  close(): Promise<void>;
}

/** Tool names are at most 64 characters of letters, digits, `_` and `-` (what model APIs accept). */
export const MAX_TOOL_NAME_LENGTH = 64;
