import type { ValidationIssue } from './validation.ts';
import { valueAtPath } from './validation.ts';

/**
 * The texts a model reads when its tool call went wrong. Each says what happened, what was
 * expected, what the model sent, and what to do next, because the model's only way to recover
 * is to read this and call again.
 */
const EXCERPT_CHARS = 200;

export function excerpt(text: string, max = EXCERPT_CHARS): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length} characters)`;
}

function quote(value: unknown): string {
  return excerpt(JSON.stringify(value) ?? String(value));
}

export function unknownToolMessage(name: string, available: readonly string[]): string {
  if (available.length === 0) return `Unknown tool "${name}": no tools are available in this run. Answer without tools.`;
  return `Unknown tool "${name}". Available tools: ${available.join(', ')}. Call one of them by its exact name.`;
}

export function invalidJsonMessage(toolName: string, argsText: string, reason: string, schema: unknown): string {
  return (
    `The arguments for tool "${toolName}" are not valid JSON (${reason}). You sent: ${excerpt(argsText)}\n` +
    `Send one JSON object matching this schema: ${excerpt(JSON.stringify(schema), 1000)}`
  );
}

export function notAnObjectMessage(toolName: string, args: unknown, schema: unknown): string {
  return (
    `The arguments for tool "${toolName}" must be a JSON object, but you sent ${quote(args)}.\n` +
    `Send one JSON object matching this schema: ${excerpt(JSON.stringify(schema), 1000)}`
  );
}

export function invalidArgumentsMessage(toolName: string, issues: readonly ValidationIssue[], args: unknown): string {
  const lines = issues.map((issue) => {
    const field = issue.path.length === 0 ? 'arguments' : `field "${issue.path.join('.')}"`;
    if (issue.path.length === 0) return `- ${field}: ${issue.message}`;
    const value = valueAtPath(args, issue.path);
    if (value === undefined) return `- ${field}: required but missing (${issue.message.replace(/, received undefined$/, '')})`;
    return `- ${field}: ${issue.message} (you sent ${quote(value)})`;
  });
  return `Invalid arguments for tool "${toolName}":\n${lines.join('\n')}\nFix these fields and call the tool again.`;
}

export function toolFailedMessage(toolName: string, reason: string): string {
  return `Tool "${toolName}" failed: ${reason}`;
}

export function toolTimedOutMessage(toolName: string, timeoutMs: number): string {
  return (
    `Tool "${toolName}" did not finish within ${timeoutMs} ms and was cancelled. ` +
    'Try a smaller or simpler request, or another approach.'
  );
}

export function truncationNote(shown: number, total: number): string {
  return `\n[output truncated: showing the first ${shown} of ${total} characters]`;
}
