/**
 * Gantry's error hierarchy. Each subclass says whose fault a failure is, so callers can decide
 * what to do: fix their configuration, retry, or show the message to a person.
 */
export class GantryError extends Error {
  /** Structured facts about the failure (ids, names, limits), safe to log. */
  readonly context: Record<string, unknown>;

  constructor(message: string, options: { cause?: unknown; context?: Record<string, unknown> } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.context = options.context ?? {};
  }
}

/** The caller misconfigured something: a missing model, a bad option, an unknown tool name. */
export class UserError extends GantryError {}

/** The model produced something the runtime cannot act on, repeatedly. */
export class ModelBehaviorError extends GantryError {}

/** A call to the model failed (after any retries). */
export class ModelCallError extends GantryError {}

/** A tool failed. Inside a run this is fed back to the model; it only escapes from direct calls. */
export class ToolError extends GantryError {}

/** A configured budget (steps, tokens, time, cost) ran out. */
export class BudgetExceededError extends GantryError {}

/** A replayed run asked the model something the recording does not contain. */
export class ReplayMismatchError extends GantryError {}

/** An environment refused or failed: a step after the episode ended, a remote server that died. */
export class EnvironmentError extends GantryError {}

/** Returns a one-line description of any thrown value. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  if (typeof error === 'string') return error;
  try {
    return JSON.stringify(error);
  } catch {
    return String(error);
  }
}

/** True when the value is an abort (from an AbortSignal or a fetch that was cancelled). */
export function isAbortError(error: unknown): boolean {
  return error instanceof Error && error.name === 'AbortError';
}
