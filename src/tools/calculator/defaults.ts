/**
 * The calculator's caps in one place, so a reader can see at once how far one call can go when
 * the caller sets nothing.
 */

/** Longest expression the calculator accepts, in characters. */
export const DEFAULT_MAX_EXPRESSION_LENGTH = 1000;

/** Evaluation time allowed per call; a slower expression is stopped and reported to the model. */
export const DEFAULT_CALCULATOR_TIMEOUT_MS = 2000;

/** Significant digits of the BigNumber arithmetic: integers and decimals this long stay exact. */
export const DEFAULT_PRECISION = 64;

/** Highest `precision` accepted; beyond this a single division takes long enough to look like a hang. */
export const MAX_PRECISION = 10_000;

/** Significant digits shown for results that had to be rounded (1/3, sqrt(2), pi). */
export const DISPLAY_DIGITS = 20;

/** Results longer than this are cut, with a note telling the model what to ask for instead. */
export const MAX_RESULT_CHARS = 10_000;

/** Heap of the evaluation process; an expression that needs more is stopped and reported. */
export const WORKER_MEMORY_LIMIT_MB = 256;

/** Time the worker process may take to load mathjs before the call fails as a setup problem. */
export const WORKER_STARTUP_TIMEOUT_MS = 15_000;
