import type { ToolNamer } from './tool-names.ts';

/** Longer tool descriptions are cut: they are sent to the model with every request. */
export const MAX_MCP_DESCRIPTION_CHARS = 1000;

/** One of the server's tools, ready to become a Gantry tool. */
export interface McpToolDefinition {
  /** The model-facing name (`server__tool`, see `ToolNamer`). */
  name: string;
  /** The name the server knows it by, used in `tools/call`. */
  serverToolName: string;
  description: string;
  /** The tool's `inputSchema`, unchanged, or `{ type: 'object' }` when it had none usable. */
  parameters: Record<string, unknown>;
}

export interface ListingWarning {
  where?: string;
  message: string;
}

/**
 * Reads the tools of a `tools/list` answer (all pages), leniently: a malformed tool is skipped
 * with a warning, and a tool with an unusable schema gets an empty object schema.
 */
export function readListedTools({ tools, namer, serverName }: {
  tools: readonly unknown[];
  namer: ToolNamer;
  serverName: string;
}): { definitions: McpToolDefinition[]; warnings: ListingWarning[] } {
  const definitions: McpToolDefinition[] = [];
  const warnings: ListingWarning[] = [];
  const seen = new Set<string>();
  tools.forEach((listed, index) => {
    if (!isRecord(listed) || typeof listed.name !== 'string') {
      warnings.push({ where: `tools/list item ${index}`, message: 'the server listed a tool without a name; it was skipped.' });
      return;
    }
    const serverToolName = listed.name;
    if (seen.has(serverToolName)) {
      warnings.push({ where: serverToolName, message: `the server listed the tool "${serverToolName}" twice; the second one was skipped.` });
      return;
    }
    seen.add(serverToolName);
    const name = namer.nameFor(serverToolName);
    const where = `${serverToolName} (${name})`;
    definitions.push({
      name,
      serverToolName,
      description: readDescription({ listed, serverToolName, serverName, where, warnings }),
      parameters: readInputSchema({ listed, where, warnings }),
    });
  });
  return { definitions, warnings };
}

function readDescription({ listed, serverToolName, serverName, where, warnings }: {
  listed: Record<string, unknown>;
  serverToolName: string;
  serverName: string;
  where: string;
  warnings: ListingWarning[];
}): string {
  const annotations = isRecord(listed.annotations) ? listed.annotations : {};
  const candidates = [listed.description, listed.title, annotations.title];
  const text = candidates.find((candidate): candidate is string => typeof candidate === 'string' && candidate.trim() !== '');
  const description = text?.trim() ?? `The tool "${serverToolName}" of the MCP server "${serverName}".`;
  if (description.length <= MAX_MCP_DESCRIPTION_CHARS) return description;
  warnings.push({
    where,
    message: `its description has ${description.length} characters; it was cut to ${MAX_MCP_DESCRIPTION_CHARS}.`,
  });
  return `${description.slice(0, MAX_MCP_DESCRIPTION_CHARS - 1)}…`;
}

function readInputSchema({ listed, where, warnings }: {
  listed: Record<string, unknown>;
  where: string;
  warnings: ListingWarning[];
}): Record<string, unknown> {
  const schema = listed.inputSchema;
  if (isRecord(schema) && schema.type === 'object') return schema;
  warnings.push({
    where,
    message: `its inputSchema is ${schema === undefined ? 'missing' : 'not a JSON schema of type "object"'}; ` +
      'it accepts any object of arguments instead.',
  });
  return { type: 'object' };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
