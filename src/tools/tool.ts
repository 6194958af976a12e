import { z } from 'zod';
import { UserError } from '../agent/errors.ts';

/** What a tool's `execute` receives besides its validated input. */
export interface ToolExecuteOptions {
  /** The id the model gave this call; unique within a run. */
  toolCallId: string;
  /** The run this call belongs to (`cli` for `gantry tools call`); tools key per-run state by it. */
  runId: string;
  /**
   * Records a source the tool read (a page, a quoted passage), so the run result can cite it.
   * Optional: callers outside a run may not collect sources.
   */
  recordSource?(source: Source): void;
  /** Aborted when the run is cancelled, times out, or this call exceeds its own timeout. */
  signal: AbortSignal;
  /** The value passed as `context` to `createAgent` or `agent.run`, untouched. */
  context: unknown;
}

/**
 * A tool the model can call: a plain object with a zod schema. `execute` returns any value; a
 * string goes to the model as is, anything else as JSON. Throwing (or returning a
 * `ToolFailure`) reports a failure to the model as data, never crashing the run.
 */
export interface Tool<Input = any, Output = unknown> {
  readonly name: string;
  readonly description: string;
  readonly schema: z.ZodType<Input>;
  /**
   * Set by `jsonSchemaTool()`: the arguments' JSON schema, shown to the model and used for
   * validation instead of `schema`.
   */
  readonly parameters?: JsonSchemaObject;
  execute(input: Input, options: ToolExecuteOptions): Promise<Output> | Output;
  /** Overrides the agent's per-call timeout for this tool. */
  readonly timeoutMs?: number;
  /** Called when a run that offered this tool ends, to release per-run state (sessions, pages). */
  onRunEnd?(runId: string): void | Promise<void>;
  /** Marks objects made by `tool()`, so the router can tell them from LangChain tools. */
  readonly kind: 'gantry-tool';
}

/** A JSON schema for an object of arguments, as OpenAPI and MCP describe tools. */
export type JsonSchemaObject = { type: 'object'; properties?: Record<string, unknown>; required?: string[]; [keyword: string]: unknown };

/** Something a tool read, for citations: `quote` is a passage the model chose to keep. */
export interface Source {
  url: string;
  title?: string;
  quote?: string;
}

/** A failure a tool returns instead of throwing; the message is shown to the model. */
export interface ToolFailure {
  ok: false;
  error: string;
}

export interface ToolDefinition<Input, Output> {
  /** 1–64 characters of letters, digits, `_` and `-`: the limit OpenAI-style APIs enforce. */
  name: string;
  /** What the tool does and when to use it, written for the model. */
  description: string;
  schema: z.ZodType<Input>;
  execute(input: Input, options: ToolExecuteOptions): Promise<Output> | Output;
  timeoutMs?: number;
  onRunEnd?(runId: string): void | Promise<void>;
}

const TOOL_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** Defines a tool. Throws a `UserError` at definition time for a name models cannot call. */
export function tool<Input, Output>(definition: ToolDefinition<Input, Output>): Tool<Input, Output> {
  assertToolName(definition.name);
  if (!(definition.schema instanceof z.ZodType)) {
    throw new UserError(`Tool "${definition.name}" needs a zod 4 schema (import { z } from "zod").`);
  }
  return { ...definition, kind: 'gantry-tool' };
}

export function assertToolName(name: string): void {
  if (!TOOL_NAME.test(name)) {
    throw new UserError(
      `Invalid tool name ${JSON.stringify(name)}: use 1-64 letters, digits, "_" or "-" (model APIs reject other names).`,
    );
  }
}

/** Type guard for the failure value tools may return. */
export function isToolFailure(value: unknown): value is ToolFailure {
  return (
    typeof value === 'object' && value !== null && (value as ToolFailure).ok === false &&
    typeof (value as ToolFailure).error === 'string'
  );
}

export interface JsonSchemaToolDefinition<Output> {
  name: string;
  description: string;
  /** The arguments' JSON schema, shown to the model as is and used to validate its calls. */
  parameters: JsonSchemaObject;
  execute(input: Record<string, unknown>, options: ToolExecuteOptions): Promise<Output> | Output;
  timeoutMs?: number;
  onRunEnd?(runId: string): void | Promise<void>;
}

/**
 * Defines a tool whose arguments are described by a JSON schema rather than zod: tools that come
 * from elsewhere (an OpenAPI operation, an MCP server) and already have one. The schema reaches
 * the model unchanged, descriptions, enums and defaults included.
 */
export function jsonSchemaTool<Output>(definition: JsonSchemaToolDefinition<Output>): Tool<Record<string, unknown>, Output> {
  assertToolName(definition.name);
  const { parameters } = definition;
  if (typeof parameters !== 'object' || parameters === null || parameters.type !== 'object') {
    throw new UserError(`Tool "${definition.name}" needs a JSON schema of type "object" for its arguments.`);
  }
  // The zod schema is only a type-level stand-in: the router validates with `parameters`.
  return { ...definition, schema: z.record(z.string(), z.unknown()), kind: 'gantry-tool' };
}
