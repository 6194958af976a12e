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
  execute(input: Input, options: ToolExecuteOptions): Promise<Output> | Output;
  /** Overrides the agent's per-call timeout for this tool. */
  readonly timeoutMs?: number;
  /** Called when a run that offered this tool ends, to release per-run state (sessions, pages). */
  onRunEnd?(runId: string): void | Promise<void>;
  /** Marks objects made by `tool()`, so the router can tell them from LangChain tools. */
  readonly kind: 'gantry-tool';
}

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
