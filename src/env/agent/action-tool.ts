import { z } from 'zod';
import { describeError } from '../../agent/errors.ts';
import { tool, type Tool, type ToolFailure } from '../../tools/tool.ts';
import type { EnvironmentEpisode } from './episode.ts';
import type { Grounding } from './grounding.ts';

/** Characters of the admissible-action list shown after each observation. */
export const DEFAULT_MAX_ADMISSIBLE_CHARS = 2_000;

const actInput = z.object({
  action: z.string().describe('One text command, e.g. "go to fridge 1" or "take mug 1 from cabinet 2".'),
});

const thinkInput = z.object({
  thought: z.string().describe('Your reasoning about what to do next.'),
});

/**
 * The `act` tool: sends one command to the episode's environment (grounded to the admissible
 * actions) and returns what the model needs next. When grounding changed the command, the first
 * line says so; that line is how the grounding reaches the trace, in the call's `tool_call_end`.
 */
export function createActionTool({
  episode,
  showAdmissible = true,
  maxAdmissibleChars = DEFAULT_MAX_ADMISSIBLE_CHARS,
}: {
  episode: EnvironmentEpisode;
  /** Append the admissible actions of the new state to each observation (default true). */
  showAdmissible?: boolean;
  /** Longest admissible-action list shown, in characters (default 2,000). */
  maxAdmissibleChars?: number;
}): Tool<z.infer<typeof actInput>, string | ToolFailure> {
  return tool({
    name: 'act',
    description:
      'Take one action in the environment: one text command from its grammar (for example "go to fridge 1", ' +
      '"open fridge 1", "take mug 1 from cabinet 2", "put mug 1 in/on coffeemachine 1"). Returns what you observe.',
    schema: actInput,
    async execute({ action }) {
      if (episode.done) return { ok: false, error: `The episode is over (${episode.endReason}); no more actions can be taken.` };
      let step;
      try {
        step = await episode.step(action);
      } catch (error) {
        return { ok: false, error: describeError(error) };
      }
      const lines: string[] = [];
      const note = groundingNote(step.grounding);
      if (note) lines.push(note);
      lines.push(step.result.observation);
      if (episode.done) lines.push(`The episode is over: ${episode.endReason}.`);
      else if (showAdmissible && step.result.admissibleActions.length > 0) {
        lines.push(`Admissible actions: ${formatAdmissible({ actions: step.result.admissibleActions, maxChars: maxAdmissibleChars })}`);
      }
      return lines.join('\n');
    },
  });
}

/** The `think` tool of ReAct mode: a thought costs no environment step and is answered "OK.". */
export function createThinkTool(): Tool<z.infer<typeof thinkInput>, string> {
  return tool({
    name: 'think',
    description: 'Think about the task without acting: plan, or note what you have found. Answers "OK.".',
    schema: thinkInput,
    execute: () => 'OK.',
  });
}

/** The line telling the model how its command was read; undefined when it was sent unchanged. */
export function groundingNote(grounding: Grounding): string | undefined {
  if (grounding.method !== 'normalized' && grounding.method !== 'similarity') return undefined;
  return `(Interpreted ${JSON.stringify(grounding.raw.trim())} as ${JSON.stringify(grounding.action)} (${grounding.method}).)`;
}

/** The actions, comma-separated, cut at a whole action with a count of those left out. */
export function formatAdmissible({ actions, maxChars = DEFAULT_MAX_ADMISSIBLE_CHARS }: { actions: readonly string[]; maxChars?: number }): string {
  let text = '';
  for (const [index, action] of actions.entries()) {
    const next = text === '' ? action : `${text}, ${action}`;
    if (next.length > maxChars && index > 0) return `${text}, … (${actions.length - index} more)`;
    text = next;
  }
  return text;
}
