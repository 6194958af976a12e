import type { AgentLimits, PlannerOption } from './agent.ts';
import type { ToolLike } from '../tools/registered-tool.ts';

/**
 * An agent described as data, so the CLI can run it: `gantry run ./my-agent.ts` loads a module
 * whose default export is an `AgentDefinition`. The model is never part of it: it is chosen by
 * whoever runs the agent.
 */
export interface AgentDefinition {
  name: string;
  /** One line, shown by `gantry run --help`-style listings. */
  description: string;
  instructions?: string;
  tools?: readonly ToolLike[];
  planner?: PlannerOption;
  limits?: AgentLimits;
  /** Sample inputs, for documentation and smoke tests. */
  exampleInputs?: readonly string[];
}

/** Identity function that gives an agent module its types. */
export function defineAgent(definition: AgentDefinition): AgentDefinition {
  return definition;
}

export function isAgentDefinition(value: unknown): value is AgentDefinition {
  const candidate = value as Partial<AgentDefinition> | null;
  return typeof candidate === 'object' && candidate !== null && typeof candidate.name === 'string' &&
    (candidate.tools === undefined || Array.isArray(candidate.tools));
}
