import type { PluginProblem } from '../plugin.ts';

/** Collects a plugin's problems as loading goes, each tagged with the plugin's source. */
export interface ProblemLog {
  readonly problems: PluginProblem[];
  warn(message: string, where?: string): void;
  error(message: string, where?: string): void;
}

export function createProblemLog(source: string): ProblemLog {
  const problems: PluginProblem[] = [];
  const add = (severity: PluginProblem['severity'], message: string, where: string | undefined) =>
    problems.push(where === undefined ? { severity, source, message } : { severity, source, where, message });
  return {
    problems,
    warn: (message, where) => add('warning', message, where),
    error: (message, where) => add('error', message, where),
  };
}
