import type { Command } from 'commander';
import { createAgent, type Agent, type AgentLimits, type PlannerOption } from '../agent/agent.ts';
import type { AgentDefinition } from '../agent/definition.ts';
import type { ContextOptions } from '../agent/history.ts';
import { resolveModel, type ResolvedModel } from '../models/model-spec.ts';
import type { ModelPrice } from '../models/pricing.ts';
import { builtinToolNames, builtinTools } from '../tools/builtins.ts';
import type { ToolLike } from '../tools/registered-tool.ts';
import { loadAgentDefinition } from './load-agent.ts';
import { parsePositiveInt, parsePositiveNumber, parsePrice, type CliIO } from './io.ts';

/** The options `gantry run` and `gantry chat` share to build an agent. */
export interface AgentSetupOptions {
  model?: string;
  baseUrl?: string;
  tools?: string;
  instructions?: string;
  planner?: string;
  maxSteps?: number;
  maxTokens?: number;
  timeout?: number;
  maxCost?: number;
  price?: ModelPrice;
  record?: string;
  /** `--yes`: consent to downloading a local model (`--model local`) without a prompt. */
  yes?: boolean;
}

/**
 * Adds the options that choose and limit the agent (`AgentSetupOptions`) to `gantry run` or
 * `gantry chat`; `scope` says what the budgets apply to ("the run", "each answer").
 */
export function addAgentOptions(command: Command, { scope }: { scope: string }): Command {
  return command
    .option('-m, --model <spec>', 'model as PROVIDER:MODEL (default: $GANTRY_MODEL), e.g. openai:gpt-4.1-mini')
    .option('--base-url <url>', 'OpenAI-compatible server for openai: models (default: $OPENAI_BASE_URL)')
    .option('--tools <names>', 'comma-separated tool names (default: the agent\'s tools; all built-ins without AGENT)')
    .option('--instructions <text>', 'system instructions, replacing the agent\'s')
    .option('--planner <name>', 'auto (default), tool-calling or react')
    .option('--max-steps <n>', `most model calls in ${scope} (default 25)`, parsePositiveInt)
    .option('--max-tokens <n>', `token budget for ${scope}`, parsePositiveInt)
    .option('--timeout <ms>', `wall-clock limit for ${scope}, in milliseconds`, parsePositiveInt)
    .option('--max-cost <usd>', `spend limit for ${scope} in US dollars (needs a known model price, or --price)`, parsePositiveNumber)
    .option('--price <input,output>', 'the model\'s price in USD per million input and output tokens', parsePrice)
    .option('--record <file>', 'record every model request and response to FILE (replay with --model replay:FILE)')
    .option('-y, --yes', 'with --model local: download the model without asking (needed when stdin is not a terminal)');
}

export interface AgentSetup {
  agent: Agent;
  definition: AgentDefinition;
  model: ResolvedModel;
  /** The instructions the agent was built with (the agent's own, `--instructions`, plus `extraInstructions`). */
  instructions: string | undefined;
}

export const GENERAL_ASSISTANT: AgentDefinition = {
  name: 'assistant',
  description: 'A general assistant with the built-in tools.',
  instructions:
    'You are a helpful assistant. Use the tools when they help: the calculator for any arithmetic, ' +
    'unit conversion or math, instead of computing in your head. Answer concisely.',
};

/**
 * Builds the agent a CLI command runs: the named example or module (or the general assistant),
 * the model from `--model`/`GANTRY_MODEL`, the tools picked by `--tools`, and the budgets.
 * `extraTools` (retrieval, memory) are added to whatever `--tools` selected.
 */
export async function setupAgent({
  agentName,
  options,
  io,
  extraTools = [],
  extraInstructions,
  contextWindow,
}: {
  agentName: string | undefined;
  options: AgentSetupOptions;
  io: CliIO;
  extraTools?: readonly ToolLike[];
  extraInstructions?: string;
  contextWindow?: ContextOptions;
}): Promise<AgentSetup> {
  const definition = agentName ? await loadAgentDefinition(agentName) : GENERAL_ASSISTANT;
  const tools = [...selectTools(definition, options.tools), ...extraTools];
  const model = await resolveModel({ spec: options.model, baseUrl: options.baseUrl, recordFile: options.record, env: io.env, yes: options.yes ?? false, io });
  const limits: AgentLimits = {
    ...definition.limits,
    ...(options.maxSteps === undefined ? {} : { maxSteps: options.maxSteps }),
    ...(options.maxTokens === undefined ? {} : { maxTokens: options.maxTokens }),
    ...(options.timeout === undefined ? {} : { timeoutMs: options.timeout }),
    ...(options.maxCost === undefined ? {} : { maxCostUsd: options.maxCost }),
  };
  const base = options.instructions ?? definition.instructions;
  const instructions = [base, extraInstructions].filter(Boolean).join('\n\n') || undefined;
  const agent = createAgent({
    model: model.model,
    modelName: model.name,
    tools,
    instructions,
    planner: (options.planner as PlannerOption | undefined) ?? definition.planner ?? 'auto',
    limits,
    ...(options.price ? { pricing: { [model.name]: options.price } } : {}),
    ...(contextWindow ? { contextWindow } : {}),
  });
  return { agent, definition, model, instructions };
}

/**
 * Every tool name the agent may already use (its own tools and the built-ins), so tools added
 * from elsewhere (plugins) can be named around them.
 */
export async function reservedToolNames(agentName: string | undefined): Promise<string[]> {
  const own = agentName ? ((await loadAgentDefinition(agentName)).tools ?? []).map((candidate) => candidate.name) : [];
  return [...new Set([...builtinToolNames(), ...own])];
}

/** `--tools` picks by name from the agent's own tools and the built-ins; without it the agent's (or all built-ins). */
function selectTools(definition: AgentDefinition, names: string | undefined): ToolLike[] {
  const own = definition.tools ? [...definition.tools] : undefined;
  if (names === undefined) return own ?? builtinTools();
  const wanted = names.split(',').map((name) => name.trim()).filter(Boolean);
  const byName = new Map((own ?? []).map((candidate) => [candidate.name, candidate]));
  const builtinNames = wanted.filter((name) => !byName.has(name));
  const builtins = new Map(builtinTools(builtinNames).map((candidate) => [candidate.name, candidate]));
  return wanted.map((name) => (byName.get(name) ?? builtins.get(name))!);
}
