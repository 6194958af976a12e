import type { LoadedPlugin } from '../../../src/plugins/plugin.ts';
import { ToolRouter } from '../../../src/tools/router.ts';

/** Calls one of a plugin's current tools the way an agent run does, through a `ToolRouter`. */
export async function callTool(plugin: LoadedPlugin, name: string, args: Record<string, unknown> = {}): Promise<{ output?: string; error?: string }> {
  const router = new ToolRouter({ tools: plugin.tools });
  const record = await router.call({ request: { id: 'call-1', name, argsText: JSON.stringify(args) }, runId: 'test', signal: new AbortController().signal });
  return record.error === undefined ? { output: record.output } : { error: record.error };
}
