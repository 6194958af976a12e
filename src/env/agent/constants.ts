/**
 * The default caps of environment agents, in one place. An environment's own step cap is not
 * known in general, so the agent run has a cap of its own.
 */

/** Environment actions an agent run may take (model calls in tools mode, plan length in plan mode). */
export const DEFAULT_MAX_ACTIONS = 50;

/** ReAct mode spends model calls on thoughts too, so it gets this many calls per action. */
export const REACT_CALLS_PER_ACTION = 2;
