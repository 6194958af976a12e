import { createInterface } from 'node:readline/promises';
import { describeError, EnvironmentError } from '../agent/errors.ts';
import type { Environment, ResetOptions, StepResult } from '../env/environment.ts';
import type { CliIO } from './io.ts';

const PLAY_HELP = 'Type a command (such as "go to fridge 1"); "help" lists the admissible actions, "quit" ends.';

/**
 * A person plays one episode: the observation is printed, each line typed is one action. Works on
 * a terminal (with a prompt) and with piped stdin (one action per line). Returns the exit code:
 * 0 when the episode was won, 1 otherwise.
 */
export async function playInTerminal({ environment, reset, io }: { environment: Environment; reset: ResetOptions; io: CliIO }): Promise<number> {
  const start = await environment.reset(reset);
  const interactive = Boolean(io.stdin.isTTY);
  io.stdout.write(`${start.observation}\n\n${PLAY_HELP}\n`);
  let admissible = start.admissibleActions;
  let last: StepResult | undefined;
  const lines = createInterface({ input: io.stdin, ...(interactive ? { output: io.stdout, terminal: true } : { terminal: false }) });
  lines.setPrompt('> ');
  try {
    if (interactive) lines.prompt();
    for await (const raw of lines) {
      const command = raw.trim();
      if (command === 'quit' || command === 'exit') break;
      if (command === 'help') io.stdout.write(`Admissible actions:\n${admissible.map((action) => `  ${action}`).join('\n')}\n`);
      else if (command !== '') {
        try {
          last = await environment.step(command);
        } catch (error) {
          if (!(error instanceof EnvironmentError)) throw error;
          io.stderr.write(`gantry: ${describeError(error)}\n`);
          break;
        }
        admissible = last.admissibleActions;
        if (!interactive) io.stdout.write(`> ${command}\n`);
        io.stdout.write(`${last.observation}\n`);
        if (last.terminated || last.truncated) break;
      }
      if (interactive) lines.prompt();
    }
  } finally {
    lines.close();
  }
  const steps = last?.info.steps;
  const took = typeof steps === 'number' ? ` in ${steps} step${steps === 1 ? '' : 's'}` : '';
  if (last?.info.won === true) io.stdout.write(`\nTask done${took}.\n`);
  else if (last?.truncated) io.stdout.write(`\nThe step limit was reached${took}; the task is not done.\n`);
  else io.stdout.write('\nEpisode ended; the task is not done.\n');
  return last?.info.won === true ? 0 : 1;
}
