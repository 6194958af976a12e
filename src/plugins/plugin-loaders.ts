import { loadLocalPlugin } from './local/local-plugin.ts';
import { connectMcpServer } from './mcp/connect-mcp-server.ts';
import { loadOpenApiPlugin, type LoadOpenApiPluginOptions } from './openapi/load-openapi-plugin.ts';
import type { McpServerConfig } from './mcp/server-config.ts';
import type { LoadedPlugin } from './plugin.ts';

/** One loader per kind of plugin, each resolving to a `LoadedPlugin` (problems reported, not thrown). */
export interface PluginLoaders {
  openapi(options: LoadOpenApiPluginOptions): Promise<LoadedPlugin>;
  mcp(config: McpServerConfig): Promise<LoadedPlugin>;
  local(options: { source: string; cwd?: string }): Promise<LoadedPlugin>;
}

export const defaultPluginLoaders: PluginLoaders = {
  openapi: loadOpenApiPlugin,
  mcp: connectMcpServer,
  local: loadLocalPlugin,
};
