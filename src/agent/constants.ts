/**
 * Every default cap of the runtime lives here, so a reader can see at once how far a run can go
 * when the caller sets nothing.
 */
export const DEFAULT_MAX_STEPS = 25;

/** How many tool calls from one model reply run at the same time. */
export const DEFAULT_TOOL_CONCURRENCY = 4;

/** A tool call that runs longer than this is cancelled and reported to the model as timed out. */
export const DEFAULT_TOOL_TIMEOUT_MS = 60_000;

/** Steps in a row in which every tool call failed before the run gives up. */
export const DEFAULT_MAX_CONSECUTIVE_FAILURES = 3;

/** Tool output longer than this is cut before it reaches the model, with a visible note. */
export const DEFAULT_MAX_TOOL_OUTPUT_CHARS = 20_000;

/** Retries of a transient model failure (429, 5xx, connection reset) before the run ends. */
export const DEFAULT_MODEL_RETRIES = 3;
export const DEFAULT_RETRY_INITIAL_DELAY_MS = 500;
export const DEFAULT_RETRY_MAX_DELAY_MS = 8_000;

/** Rough characters per token for the local estimate used when a server reports no usage. */
export const CHARS_PER_TOKEN_ESTIMATE = 4;

/** Estimated tokens of earlier conversation turns resent with each prompt. */
export const DEFAULT_MAX_HISTORY_TOKENS = 8_000;

/** Tool output from earlier turns and older steps is shortened to this many characters when resent. */
export const DEFAULT_MAX_OLD_TOOL_OUTPUT_CHARS = 2_000;

/** The most recent steps of a run whose tool output is always resent whole. */
export const DEFAULT_RECENT_STEPS_KEPT_WHOLE = 2;
