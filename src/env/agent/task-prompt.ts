import type { ResetResult } from '../environment.ts';
import { formatAdmissible } from './action-tool.ts';

/**
 * The task as the model first sees it: the opening observation, the goal in ReAct's ALFWorld
 * words ("Your task is to: …"), and optionally the admissible actions. The goal line is left out
 * when the observation already states it, as some environments do.
 */
export function taskText({
  start,
  showAdmissible,
  maxAdmissibleChars,
}: {
  start: ResetResult;
  showAdmissible: boolean;
  maxAdmissibleChars?: number;
}): string {
  const lines = [start.observation.trim()];
  if (!start.observation.includes(start.goal)) lines.push(`Your task is to: ${start.goal}`);
  if (showAdmissible && start.admissibleActions.length > 0) {
    lines.push(`Admissible actions: ${formatAdmissible({ actions: start.admissibleActions, maxChars: maxAdmissibleChars })}`);
  }
  return lines.join('\n');
}
