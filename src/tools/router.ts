import { isBaseMessage } from '@langchain/core/messages';
import { describeError, UserError } from '../agent/errors.ts';
import type { ToolCallRecord, ToolCallRequest } from '../agent/records.ts';
import { DEFAULT_MAX_TOOL_OUTPUT_CHARS, DEFAULT_TOOL_TIMEOUT_MS } from '../agent/constants.ts';
import {
  invalidArgumentsMessage, invalidJsonMessage, notAnObjectMessage, toolFailedMessage, toolTimedOutMessage,
  truncationNote, unknownToolMessage,
} from './feedback.ts';
import { registerTool, type RegisteredTool, type ToolLike } from './registered-tool.ts';
import { isToolFailure, type Source } from './tool.ts';

export interface ToolRouterOptions {
  tools: readonly ToolLike[];
  /** Per-call timeout for tools that set none. */
  timeoutMs?: number;
  /** Longer output is cut, with a note the model can see. */
  maxOutputChars?: number;
}

/** An OpenAI-style function definition: what `bindTools` and the ReAct prompt need. */
export interface FunctionDefinition {
  type: 'function';
  function: { name: string; description: string; parameters: Record<string, unknown> };
}

/**
 * Routes the model's tool calls to tools. `call` never throws for anything the model or a tool
 * did wrong: every failure becomes a `ToolCallRecord` with an `error` written for the model.
 */
export class ToolRouter {
  readonly #tools = new Map<string, RegisteredTool>();
  readonly #timeoutMs: number;
  readonly #maxOutputChars: number;

  constructor(options: ToolRouterOptions) {
    for (const candidate of options.tools) {
      const registered = registerTool(candidate);
      if (this.#tools.has(registered.name)) {
        throw new UserError(`Two tools are named "${registered.name}". Tool names must be unique in an agent.`);
      }
      this.#tools.set(registered.name, registered);
    }
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TOOL_TIMEOUT_MS;
    this.#maxOutputChars = options.maxOutputChars ?? DEFAULT_MAX_TOOL_OUTPUT_CHARS;
  }

  get names(): string[] {
    return [...this.#tools.keys()];
  }

  definitions(): FunctionDefinition[] {
    return [...this.#tools.values()].map((t) => ({
      type: 'function',
      function: { name: t.name, description: t.description, parameters: t.parameters },
    }));
  }

  async call(options: {
    request: ToolCallRequest;
    runId: string;
    signal: AbortSignal;
    context?: unknown;
    recordSource?: (source: Source) => void;
  }): Promise<ToolCallRecord> {
    const { request, runId, signal, context, recordSource } = options;
    const started = performance.now();
    const finish = (fields: { args: unknown; output?: string; error?: string; cancelled?: true }): ToolCallRecord => ({
      id: request.id,
      name: request.name,
      ...fields,
      durationMs: Math.round((performance.now() - started) * 100) / 100,
    });

    const registered = this.#tools.get(request.name);
    const parsed = parseArguments(request.argsText);
    if (!registered) return finish({ args: parsed.ok ? parsed.value : request.argsText, error: unknownToolMessage(request.name, this.names) });
    if (!parsed.ok) {
      return finish({ args: request.argsText, error: invalidJsonMessage(request.name, request.argsText, parsed.reason, registered.parameters) });
    }
    if (parsed.value === null || typeof parsed.value !== 'object' || Array.isArray(parsed.value)) {
      return finish({ args: parsed.value, error: notAnObjectMessage(request.name, parsed.value, registered.parameters) });
    }
    const validated = await registered.validate(parsed.value);
    if (!validated.ok) {
      return finish({ args: parsed.value, error: invalidArgumentsMessage(request.name, validated.issues, parsed.value) });
    }
    const outcome = await this.#execute({ registered, input: validated.value, request, runId, signal, context, recordSource });
    return finish({ args: parsed.value, ...outcome });
  }

  async #execute(options: {
    registered: RegisteredTool;
    input: unknown;
    request: ToolCallRequest;
    runId: string;
    signal: AbortSignal;
    context: unknown;
    recordSource: ((source: Source) => void) | undefined;
  }): Promise<{ output?: string; error?: string; cancelled?: true }> {
    const { registered, input, request, runId, signal, context, recordSource } = options;
    if (signal.aborted) return { error: toolFailedMessage(request.name, 'cancelled because the run was stopped'), cancelled: true };
    const timeoutMs = registered.timeoutMs ?? this.#timeoutMs;
    const callController = new AbortController();
    const callSignal = AbortSignal.any([signal, callController.signal]);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    const cancelled = new Promise<'cancelled'>((resolve) => {
      if (signal.aborted) resolve('cancelled');
      signal.addEventListener('abort', () => resolve('cancelled'), { once: true });
    });
    const execution = Promise.resolve()
      .then(() => registered.run(input, { toolCallId: request.id, runId, signal: callSignal, context, ...(recordSource ? { recordSource } : {}) }))
      .then((value) => ({ value }), (error: unknown) => ({ error }));
    try {
      const outcome = await Promise.race([execution, timedOut, cancelled]);
      if (outcome === 'timeout') {
        callController.abort(new Error(`timed out after ${timeoutMs} ms`));
        return { error: toolTimedOutMessage(request.name, timeoutMs) };
      }
      if (outcome === 'cancelled') return { error: toolFailedMessage(request.name, 'cancelled because the run was stopped'), cancelled: true };
      if ('error' in outcome) return { error: toolFailedMessage(request.name, describeError(outcome.error)) };
      if (isToolFailure(outcome.value)) return { error: toolFailedMessage(request.name, outcome.value.error) };
      return { output: this.#render(outcome.value) };
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Tells every tool that a run ended, so they release what they kept for it. Never throws:
   * failures come back as `name: message` lines for the caller to report.
   */
  async runEnded(runId: string): Promise<string[]> {
    const failures: string[] = [];
    await Promise.all(
      [...this.#tools.values()].map(async (registered) => {
        try {
          await registered.onRunEnd?.(runId);
        } catch (error) {
          failures.push(`${registered.name}: ${describeError(error)}`);
        }
      }),
    );
    return failures;
  }

  #render(value: unknown): string {
    const text = renderToolOutput(value);
    if (text.length <= this.#maxOutputChars) return text;
    return text.slice(0, this.#maxOutputChars) + truncationNote(this.#maxOutputChars, text.length);
  }
}

type ParsedArguments = { ok: true; value: unknown } | { ok: false; reason: string };

/** Strict JSON parsing of tool arguments; empty text means "no arguments" (`{}`). */
export function parseArguments(argsText: string): ParsedArguments {
  if (argsText.trim() === '') return { ok: true, value: {} };
  try {
    return { ok: true, value: JSON.parse(argsText) };
  } catch (error) {
    return { ok: false, reason: describeError(error) };
  }
}

/** Strings go to the model as they are; everything else as JSON. */
export function renderToolOutput(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined) return '(no output)';
  // A LangChain tool may return a ToolMessage; the model should see its text.
  if (isBaseMessage(value)) return value.text;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
