import { jsonSchemaTool } from '../../tools/tool.ts';
import type { ToolLike } from '../../tools/registered-tool.ts';
import { MAX_SCHEMA_DESCRIPTION_CHARS, emptySchemaNotes, type SchemaNotes } from './model-schema.ts';
import { buildOperationArguments } from './operation-arguments.ts';
import { callOperation, type OperationEndpoint } from './operation-call.ts';
import { isRecord } from './plugin-manifest.ts';
import type { ProblemLog } from './problem-log.ts';
import type { OpenApiDocument } from './spec-document.ts';
import { MAX_TOOL_DESCRIPTION_CHARS, operationDescription } from './tool-description.ts';
import { claimUniqueName, operationToolName } from './tool-names.ts';

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'];

/**
 * One tool per operation of the spec, in the spec's order. An operation that cannot be offered
 * (a body type Gantry cannot send) is skipped with a warning; deprecated ones are kept, and their
 * description says so.
 */
export function buildOperationTools(options: {
  document: OpenApiDocument;
  /** The plugin's context line for every description (see `pluginContext`). */
  context: string;
  /** Everything an endpoint needs except what each operation sets. */
  endpoint: Omit<OperationEndpoint, 'method' | 'path' | 'plan'>;
  prefix: string | undefined;
  problems: ProblemLog;
}): ToolLike[] {
  const { document, context, endpoint, prefix, problems } = options;
  const tools: ToolLike[] = [];
  const taken = new Set<string>();
  const unnamed: string[] = [];
  for (const [path, pathItem] of Object.entries(document.paths)) {
    if (!isRecord(pathItem)) continue;
    for (const method of METHODS) {
      const operation = pathItem[method];
      if (!isRecord(operation)) continue;
      const where = `${method.toUpperCase()} ${path}`;
      const notes = emptySchemaNotes();
      const args = buildOperationArguments({ operation, pathParameters: pathItem.parameters, notes });
      for (const warning of args.warnings) problems.warn(warning, where);
      if (args.unsupported) {
        problems.warn(`Skipped: ${args.unsupported}.`, where);
        continue;
      }
      const proposed = operationToolName({ operationId: operation.operationId, method, path, ...(prefix ? { prefix } : {}) });
      if (typeof operation.operationId !== 'string' || operation.operationId.trim() === '') unnamed.push(proposed.name);
      if (proposed.cut) problems.warn(`The tool name was cut to ${proposed.name.length} characters: ${proposed.name}.`, where);
      const name = claimUniqueName(proposed.name, taken);
      if (name !== proposed.name) problems.warn(`Another operation is already named "${proposed.name}"; this one's tool is "${name}".`, where);
      const description = operationDescription({
        method, path, summary: operation.summary ?? pathItem.summary, description: operation.description ?? pathItem.description,
        deprecated: operation.deprecated === true, context,
      });
      if (description.cut) problems.warn(`The operation's description was cut to fit the ${MAX_TOOL_DESCRIPTION_CHARS}-character tool description.`, where);
      reportSchemaNotes(notes, where, problems);
      const bound: OperationEndpoint = { ...endpoint, method: method.toUpperCase(), path, plan: args.plan };
      tools.push(
        jsonSchemaTool({
          name,
          description: description.text,
          parameters: args.parameters,
          execute: async (input, { signal }) =>
            endpoint.auth.missing ? { ok: false as const, error: endpoint.auth.missing } : callOperation({ endpoint: bound, input, signal }),
        }),
      );
    }
  }
  if (unnamed.length > 0) {
    problems.warn(`${unnamed.length} operation${unnamed.length === 1 ? ' has' : 's have'} no operationId; their tools are named from method and path: ${unnamed.join(', ')}.`, 'paths');
  }
  if (tools.length === 0) problems.warn('The spec offers no operation that could become a tool.', 'paths');
  return tools;
}

function reportSchemaNotes(notes: SchemaNotes, where: string, problems: ProblemLog): void {
  if (notes.recursionCut) problems.warn('A recursive schema was cut where it repeats itself.', where);
  if (notes.sizeCut) problems.warn('The argument schema was too large to show in full; its deepest parts accept any value.', where);
  if (notes.descriptionsCut > 0) {
    problems.warn(`${notes.descriptionsCut} description${notes.descriptionsCut === 1 ? ' was' : 's were'} cut to ${MAX_SCHEMA_DESCRIPTION_CHARS} characters.`, where);
  }
}
