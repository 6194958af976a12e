import { z } from 'zod';
import { EnvironmentError } from '../agent/errors.ts';
import type { ResetResult, StepResult } from './environment.ts';

/**
 * The environment protocol (docs/environment-protocol.md): the methods a remote environment
 * server answers over JSON-RPC 2.0 and the shapes of their results. The result shapes are those
 * of `environment.ts`, field for field, so a server's answer becomes a `ResetResult` or
 * `StepResult` without translation.
 */

/** The protocol version Gantry speaks. A server that answers another version is refused. */
export const ENVIRONMENT_PROTOCOL_VERSION = 1;

/** JSON-RPC error codes: the standard ones, and the protocol's own in the server range. */
export const JSON_RPC_ERROR_CODES = {
  parseError: -32700,
  invalidRequest: -32600,
  methodNotFound: -32601,
  invalidParams: -32602,
  internalError: -32603,
  /** `step` before `reset`, or after the episode terminated or was truncated. */
  episodeNotActive: -32000,
  /** The server cannot speak the protocol version the client asked for. */
  unsupportedProtocolVersion: -32001,
} as const;

/** What the client sends as `initialize`'s params. */
export interface InitializeParams {
  protocolVersion: number;
  client: string;
}

const initializeResultSchema = z.object({
  protocolVersion: z.number().int(),
  name: z.string().min(1),
  taskTypes: z.array(z.string()).optional(),
});

/** What a server answers to `initialize`. */
export type InitializeResult = z.infer<typeof initializeResultSchema>;

// Unknown `info` fields pass through: servers may add their own facts (scores, ids).
const envInfoSchema = z.looseObject({
  taskId: z.string().optional(),
  taskType: z.string().optional(),
  won: z.boolean().optional(),
  steps: z.number().int().nonnegative().optional(),
  valid: z.boolean().optional(),
});

const admissibleActionsSchema = z.array(z.string());

const resetResultSchema = z.object({
  observation: z.string(),
  goal: z.string(),
  admissibleActions: admissibleActionsSchema,
  info: envInfoSchema.default({}),
});

const stepResultSchema = z.object({
  observation: z.string(),
  reward: z.number(),
  terminated: z.boolean(),
  truncated: z.boolean(),
  admissibleActions: admissibleActionsSchema,
  info: envInfoSchema.default({}),
});

const resultSchemas = {
  initialize: initializeResultSchema,
  reset: resetResultSchema,
  step: stepResultSchema,
} as const;

interface ResultTypes {
  initialize: InitializeResult;
  reset: ResetResult;
  step: StepResult;
}

/**
 * Checks a method's result against the protocol and returns it typed. A malformed result throws
 * an `EnvironmentError` that names every offending field and what it should have been, because
 * the person reading it is the one writing the server.
 */
export function parseMethodResult<M extends keyof ResultTypes>({
  method,
  result,
  server,
}: {
  method: M;
  result: unknown;
  /** How to name the server in the message (its command or URL). */
  server: string;
}): ResultTypes[M] {
  const parsed = resultSchemas[method].safeParse(result);
  if (parsed.success) return parsed.data as ResultTypes[M];
  const problems = parsed.error.issues.map((issue) => {
    const field = issue.path.length === 0 ? '(the result itself)' : issue.path.map(String).join('.');
    return `${field}: ${issue.message}`;
  });
  throw new EnvironmentError(
    `The environment server ${server} returned a malformed "${method}" result (${problems.join('; ')}). ` +
      'See docs/environment-protocol.md for the shape it must have.',
    { context: { method, problems } },
  );
}
