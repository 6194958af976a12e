import { reservedToolNames, setupAgent, type AgentSetup, type AgentSetupOptions } from './agent-setup.ts';
import type { CliIO } from './io.ts';
import { openIndexTools } from './index-option.ts';
import type { CliConversation } from './memory-options.ts';
import { openCliPlugins, type PluginCliOptions } from './plugin-options.ts';

/** The options `gantry run` and `gantry chat` share beyond the agent's own: `--index` and the plugins. */
export interface AgentExtrasOptions extends AgentSetupOptions, PluginCliOptions {
  /** `--index NAME`: retrieval_search over a document index. */
  index?: string;
}

/**
 * Builds the agent with everything `--index`, `--memory` (through `conversation`) and the plugins
 * add: their tools, the plugin note in the instructions, the history budget. `close` releases the
 * index and the plugins (not the conversation, which the caller opened); on a failure they are
 * released before the error goes on.
 */
export async function setupAgentWithExtras({ agentName, options, io, conversation }: {
  agentName: string | undefined;
  options: AgentExtrasOptions;
  io: CliIO;
  conversation: CliConversation;
}): Promise<{ setup: AgentSetup; close(): Promise<void> }> {
  const indexTools = await openIndexTools({ name: options.index, env: io.env, ...(options.baseUrl ? { baseUrl: options.baseUrl } : {}) });
  let plugins: Awaited<ReturnType<typeof openCliPlugins>> | undefined;
  const close = async () => {
    await plugins?.close();
    indexTools.close();
  };
  try {
    const extraTools = [...indexTools.tools, ...conversation.extraTools];
    plugins = await openCliPlugins({ options, io, reservedNames: [...(await reservedToolNames(agentName)), ...extraTools.map((tool) => tool.name)] });
    const setup = await setupAgent({
      agentName,
      options,
      io,
      extraTools: [...extraTools, ...plugins.tools],
      ...(plugins.instructions ? { extraInstructions: plugins.instructions } : {}),
      ...(conversation.contextWindow ? { contextWindow: conversation.contextWindow } : {}),
    });
    return { setup, close };
  } catch (error) {
    await close();
    throw error;
  }
}
