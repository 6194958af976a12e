import { MAX_TOOL_NAME_LENGTH } from '../plugin.ts';

/**
 * How operations are named as tools: the `operationId` when it has one, else the method and the
 * path (`GET /pets/{petId}` → `get_pets_petId`). Characters models refuse become `_`, and names
 * are cut to `MAX_TOOL_NAME_LENGTH`. Within one plugin a name already taken gets `_2`, `_3`, …
 * (cut further so the suffix fits). Names carry no plugin prefix unless the caller asks for one:
 * keeping them unique across plugins is the registry's job.
 */

/** Replaces what models refuse in a tool name with `_`; `''` when nothing usable is left. */
export function sanitizeToolName(raw: string): string {
  return raw
    .normalize('NFKD')
    .replace(/[^A-Za-z0-9_-]+/g, '_')
    .replace(/_{2,}/g, '_')
    .replace(/^[_-]+|[_-]+$/g, '');
}

/**
 * The name an operation's tool would have before de-duplication, sanitised and cut; `cut` tells
 * whether it was longer than `MAX_TOOL_NAME_LENGTH`.
 */
export function operationToolName(options: { operationId: unknown; method: string; path: string; prefix?: string }): { name: string; cut: boolean } {
  const { operationId, method, path, prefix } = options;
  const fromId = typeof operationId === 'string' ? sanitizeToolName(operationId) : '';
  const fromPath = sanitizeToolName(path.replace(/[{}]/g, '')) || 'root';
  const base = fromId || `${method.toLowerCase()}_${fromPath}`;
  const prefixed = prefix ? `${sanitizeToolName(prefix)}_${base}` : base;
  const name = cutName(prefixed, MAX_TOOL_NAME_LENGTH);
  return { name, cut: name !== prefixed };
}

/** Returns `base`, or `base_2`, `base_3`, … (cut to fit), whichever is not in `taken`; adds it. */
export function claimUniqueName(base: string, taken: Set<string>): string {
  let name = base;
  for (let counter = 2; taken.has(name); counter++) {
    const suffix = `_${counter}`;
    name = `${cutName(base, MAX_TOOL_NAME_LENGTH - suffix.length)}${suffix}`;
  }
  taken.add(name);
  return name;
}

function cutName(name: string, length: number): string {
  return name.length <= length ? name : name.slice(0, length).replace(/[_-]+$/, '');
}
