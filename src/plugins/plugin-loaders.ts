import { loadLocalPlugin } from './local/local-plugin.ts';
import type { LoadOpenApiPluginOptions } from './openapi/load-openapi-plugin.ts';
import type { McpServerConfig } from './mcp/server-config.ts';
import type { LoadedPlugin } from './plugin.ts';

/** One loader per kind of plugin, each resolving to a `LoadedPlugin` (problems reported, not thrown). */
export interface PluginLoaders {
  openapi(options: LoadOpenApiPluginOptions): Promise<LoadedPlugin>;
  mcp(config: McpServerConfig): Promise<LoadedPlugin>;
  local(options: { source: string; cwd?: string }): Promise<LoadedPlugin>;
}

/**
 * The OpenAPI and MCP loaders are imported when a plugin of their kind is loaded: the MCP SDK and
 * the OpenAPI parser cost about 350 ms to import, which every `gantry` command would pay otherwise.
 */
export const defaultPluginLoaders: PluginLoaders = {
  openapi: async (options) => (await import('./openapi/load-openapi-plugin.ts')).loadOpenApiPlugin(options),
  mcp: async (config) => (await import('./mcp/connect-mcp-server.ts')).connectMcpServer(config),
  local: loadLocalPlugin,
};
