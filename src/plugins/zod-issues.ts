import type { z } from 'zod';

/**
 * Writes zod's issues as one line each, led by the path of the field at fault as a person would
 * type it (`plugins[0].auth.type`, `mcpServers["my.server"].args[1]`), so a configuration error
 * says exactly what to fix.
 */
export function describeIssues(error: z.ZodError, prefix: readonly PropertyKey[] = []): string[] {
  return error.issues.map((issue) => {
    const path = formatPath([...prefix, ...issue.path]);
    return path ? `${path}: ${issue.message}` : issue.message;
  });
}

/** `['plugins', 0, 'auth']` → `plugins[0].auth`; keys that are not identifiers are quoted. */
export function formatPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const key of path) {
    if (typeof key === 'number') text += `[${key}]`;
    else if (typeof key === 'string' && /^[A-Za-z_$][\w$]*$/.test(key)) text += text ? `.${key}` : key;
    else text += `[${JSON.stringify(String(key))}]`;
  }
  return text;
}
