import { isLangChainTool, type StructuredToolInterface } from '@langchain/core/tools';
import { UserError } from '../agent/errors.ts';
import { assertToolName, type Tool, type ToolExecuteOptions } from './tool.ts';
import { createValidator, toModelJsonSchema, type ArgumentValidator } from './validation.ts';

/** Anything accepted in `tools`: a Gantry tool, or a LangChain tool used unchanged. */
export type ToolLike = Tool | StructuredToolInterface;

/** A tool in the router's uniform shape, whatever it was defined with. */
export interface RegisteredTool {
  name: string;
  description: string;
  /** JSON schema of the arguments, as shown to the model. */
  parameters: Record<string, unknown>;
  timeoutMs?: number;
  validate: ArgumentValidator;
  run(input: unknown, options: ToolExecuteOptions): Promise<unknown>;
  onRunEnd?(runId: string): void | Promise<void>;
}

export function registerTool(candidate: ToolLike): RegisteredTool {
  if (isGantryTool(candidate)) {
    return {
      name: candidate.name,
      description: candidate.description,
      parameters: toModelJsonSchema(candidate.parameters ?? candidate.schema),
      timeoutMs: candidate.timeoutMs,
      validate: createValidator(candidate.parameters ?? candidate.schema),
      run: async (input, options) => candidate.execute(input, options),
      ...(candidate.onRunEnd ? { onRunEnd: (runId: string) => candidate.onRunEnd!(runId) } : {}),
    };
  }
  if (isLangChainTool(candidate)) return registerLangChainTool(candidate as StructuredToolInterface);
  throw new UserError(
    `Not a tool: ${describeCandidate(candidate)}. Define tools with tool({ name, description, schema, execute }) ` +
      'from gantry, or pass a LangChain tool.',
  );
}

function registerLangChainTool(candidate: StructuredToolInterface): RegisteredTool {
  assertToolName(candidate.name);
  return {
    name: candidate.name,
    description: candidate.description,
    parameters: toModelJsonSchema(candidate.schema),
    validate: createValidator(candidate.schema),
    // The arguments are validated already; LangChain validates again, which is harmless.
    run: async (input, { signal, toolCallId, context }) =>
      candidate.invoke(input as never, { signal, metadata: { toolCallId }, configurable: { context } }),
  };
}

function isGantryTool(candidate: unknown): candidate is Tool {
  return typeof candidate === 'object' && candidate !== null && (candidate as Tool).kind === 'gantry-tool';
}

function describeCandidate(candidate: unknown): string {
  if (candidate === null || typeof candidate !== 'object') return JSON.stringify(candidate) ?? String(candidate);
  const name = (candidate as { name?: unknown }).name;
  return typeof name === 'string' ? `an object named "${name}"` : 'an object without a name';
}
