import { z } from 'zod';
import { UserError } from '../../agent/errors.ts';
import { tool, type Tool, type ToolFailure } from '../tool.ts';
import type { RunLimits, RunOutcome } from './protocol.ts';
import { renderOutcome } from './render-outcome.ts';
import { SandboxPool, type SandboxPoolOptions } from './sandbox-pool.ts';

export interface CodeInterpreterOptions extends SandboxPoolOptions {
  /** Default wall time per call (default 5,000 ms). */
  timeoutMs?: number;
  /** The most a call may ask for with `timeoutMs` (default 60,000 ms). */
  maxTimeoutMs?: number;
  /** Heap limit of each session's isolate (default 64 MB). */
  memoryMb?: number;
  /** Longest stdout, stderr and result each before they are cut with a note (default 10,000). */
  maxOutputChars?: number;
}

type Limits = Required<Pick<CodeInterpreterOptions, 'timeoutMs' | 'maxTimeoutMs' | 'memoryMb' | 'maxOutputChars'>>;

export const CODE_INTERPRETER_DEFAULTS: Readonly<Limits> = {
  timeoutMs: 5_000,
  maxTimeoutMs: 60_000,
  memoryMb: 64,
  maxOutputChars: 10_000,
};

const DEFAULT_SESSION = 'default';

/** A code interpreter tool that owns its pool of sandbox processes. */
export interface CodeInterpreterTool extends Tool<CodeInterpreterInput, string | ToolFailure> {
  /** The pool behind the tool, for direct use (`pool.run(...)`) and statistics. */
  readonly pool: SandboxPool;
  /** Kills the sandbox processes. */
  close(): Promise<void>;
}

function inputSchema(maxTimeoutMs: number) {
  return z.object({
    code: z.string().describe('JavaScript or TypeScript to run. The value of the last expression is returned.'),
    session: z
      .string()
      .regex(/^[\w.-]{1,64}$/, 'use 1-64 letters, digits, "_", "-" or "."')
      .optional()
      .describe('Notebook session: variables and functions persist between calls with the same session (default "default").'),
    timeoutMs: z.number().int().positive().max(maxTimeoutMs).optional().describe('Time limit for this call in milliseconds.'),
    language: z.enum(['javascript', 'typescript']).optional().describe('Default "typescript": types are stripped, so plain JavaScript works too.'),
    reset: z.boolean().optional().describe('Discard the session\'s variables before running the code.'),
  });
}

export type CodeInterpreterInput = z.infer<ReturnType<typeof inputSchema>>;

/**
 * The `code_interpreter` tool: the model writes JavaScript or TypeScript, a sandbox runs it, and
 * the result, console output and duration come back (program-aided reasoning, as in PAL). Code
 * runs in isolated-vm isolates inside separate worker processes, with no access to the host.
 */
export function createCodeInterpreter(options: CodeInterpreterOptions = {}): CodeInterpreterTool {
  const settings: Limits = { ...CODE_INTERPRETER_DEFAULTS, ...withoutUndefined(options) };
  validateSettings(settings);
  const pool = new SandboxPool(options);
  const sessionKey = (runId: string, session: string | undefined) => `${runId}/${session ?? DEFAULT_SESSION}`;

  const definition = tool({
    name: 'code_interpreter',
    description: describeTool(settings),
    schema: inputSchema(settings.maxTimeoutMs),
    // The sandbox enforces the call's own limit; this only has to outlast it.
    timeoutMs: settings.maxTimeoutMs + 5_000,
    execute: async (input, { runId, signal }): Promise<string | ToolFailure> => {
      const session = sessionKey(runId, input.session);
      if (input.reset) await pool.dispose(session);
      if (input.reset && input.code.trim() === '') return `Session "${input.session ?? DEFAULT_SESSION}" was reset.`;
      const limits: RunLimits = {
        timeoutMs: input.timeoutMs ?? settings.timeoutMs,
        memoryMb: settings.memoryMb,
        maxOutputChars: settings.maxOutputChars,
      };
      const outcome: RunOutcome = await pool.run({ session, code: input.code, language: input.language ?? 'typescript', limits, signal });
      const text = renderOutcome(outcome, limits);
      return outcome.ok ? text : { ok: false, error: text };
    },
    onRunEnd: async (runId) => {
      await pool.disposeWhere((session) => session.startsWith(`${runId}/`));
    },
  });
  return Object.assign(definition, { pool, close: () => pool.close() });
}

function describeTool(settings: Limits): string {
  return [
    'Runs JavaScript or TypeScript in a sandbox and returns the value of the last expression, console output and duration.',
    'Use it to compute, to check reasoning with code, or to process data: write a program instead of working things out by hand.',
    'Calls with the same session share top-level variables and functions, like notebook cells; top-level await works.',
    'Standard JavaScript only: no require or import, no file system, no network, no process, no timers.',
    `Limits per call: ${settings.timeoutMs} ms (set timeoutMs for more, up to ${settings.maxTimeoutMs}), ` +
      `${settings.memoryMb} MB of memory, ${settings.maxOutputChars} characters of output.`,
  ].join('\n');
}

function validateSettings(settings: Limits): void {
  for (const key of ['timeoutMs', 'maxTimeoutMs', 'memoryMb', 'maxOutputChars'] as const) {
    const value = settings[key];
    if (!Number.isInteger(value) || value <= 0) {
      throw new UserError(`createCodeInterpreter: ${key} must be a positive whole number; got ${JSON.stringify(value)}.`);
    }
  }
  if (settings.timeoutMs > settings.maxTimeoutMs) {
    throw new UserError(`createCodeInterpreter: timeoutMs (${settings.timeoutMs}) is above maxTimeoutMs (${settings.maxTimeoutMs}).`);
  }
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, item]) => item !== undefined)) as Partial<T>;
}
