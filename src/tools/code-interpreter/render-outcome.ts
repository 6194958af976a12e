import type { RunLimits, RunOutcome } from './protocol.ts';

/**
 * What the model reads after a call: the result (or the error), console output, the duration,
 * and a note for anything cut or reset. Sections are labelled so the model can tell them apart,
 * and empty sections are left out to save tokens. The result is the readable rendering, as a REPL
 * shows it, because it keeps what JSON loses (`Map(1) { 'a' => 1 }`, `undefined`, `10n`); the
 * JSON copy stays in the `RunOutcome` for programs.
 */
export function renderOutcome(outcome: RunOutcome, limits: RunLimits): string {
  const lines: string[] = [];
  if (outcome.ok) {
    lines.push(`result: ${outcome.hasValue ? (outcome.text ?? outcome.json ?? 'undefined') : '(no value: the code did not end with an expression)'}`);
  } else if (outcome.error) {
    lines.push(`error (${outcome.error.kind}): ${outcome.error.stack ?? `${outcome.error.name}: ${outcome.error.message}`}`);
  }
  if (outcome.stdout) lines.push(`stdout:\n${outcome.stdout.replace(/\n$/, '')}`);
  if (outcome.stderr) lines.push(`stderr:\n${outcome.stderr.replace(/\n$/, '')}`);
  lines.push(`duration: ${Math.round(outcome.durationMs)} ms`);
  for (const part of outcome.truncated) {
    lines.push(`note: ${part} was cut at ${limits.maxOutputChars} characters (the output limit).`);
  }
  if (outcome.sessionReset) lines.push('note: the session was reset; variables and functions from earlier calls are gone.');
  return lines.join('\n');
}
