import SwaggerParser from '@apidevtools/swagger-parser';
import { upgradeFromTwoToThree } from '@scalar/openapi-upgrader/2.0-to-3.0';
import { describeError } from '../../agent/errors.ts';
import { isRecord } from './plugin-manifest.ts';
import { PluginSourceError } from './plugin-source.ts';
import type { ProblemLog } from './problem-log.ts';

/** An OpenAPI 3.x document whose internal `$ref`s are all replaced by what they point to. */
export type OpenApiDocument = Record<string, unknown> & { openapi: string; paths: Record<string, unknown> };

const SUPPORTED_30 = ['3.0.0', '3.0.1', '3.0.2', '3.0.3', '3.0.4'];
const SUPPORTED_31 = ['3.1.0', '3.1.1', '3.1.2'];

/**
 * Turns a parsed spec into a dereferenced OpenAPI 3 document: Swagger 2.0 is upgraded to 3.0
 * (`@scalar/openapi-upgrader`, a pure transform), then Swagger Parser replaces every internal
 * `$ref`, chains and cycles included (cycles stay as cyclic objects, cut later). Swagger Parser
 * is told never to read anything: `$ref`s to other files or URLs, and internal ones that point
 * nowhere, are replaced by an empty schema with a warning before it runs. Throws
 * `PluginSourceError` when the document cannot be used at all.
 */
export async function prepareSpec(value: unknown, problems: ProblemLog): Promise<OpenApiDocument> {
  if (!isRecord(value)) throw new PluginSourceError('The spec is not an object.');
  let document: Record<string, unknown> = structuredClone(value);
  if ('swagger' in document) {
    if (String(document.swagger) !== '2.0') throw new PluginSourceError(`The spec says swagger ${JSON.stringify(document.swagger)}; only Swagger 2.0 and OpenAPI 3.0 and 3.1 are read.`);
    try {
      document = upgradeFromTwoToThree({ ...document, swagger: '2.0' }) as Record<string, unknown>;
    } catch (error) {
      throw new PluginSourceError(`The Swagger 2.0 spec could not be converted to OpenAPI 3: ${describeError(error)}`);
    }
  }
  const version = supportedVersion(document.openapi, problems);
  document.openapi = version;
  if (!isRecord(document.paths)) throw new PluginSourceError('The spec has no "paths", so it describes no operations.');
  if (!isRecord(document.info)) document.info = { title: '', version: '' };
  else if (typeof document.info.version !== 'string') document.info.version = String(document.info.version ?? '');
  replaceUnresolvableRefs(document, problems);
  try {
    const dereferenced = await SwaggerParser.dereference(document as never, {
      resolve: { external: false, file: false, http: false },
      dereference: {
        circular: true,
        ...(version.startsWith('3.1') ? { preservedProperties: ['description', 'summary'] } : {}),
      },
      validate: { schema: false, spec: false },
    } as never);
    return dereferenced as unknown as OpenApiDocument;
  } catch (error) {
    throw new PluginSourceError(`The spec's $refs could not be resolved: ${describeError(error)}`);
  }
}

function supportedVersion(version: unknown, problems: ProblemLog): string {
  const text = String(version ?? '');
  if (SUPPORTED_30.includes(text) || SUPPORTED_31.includes(text)) return text;
  const read = text.startsWith('3.0') ? '3.0.3' : text.startsWith('3.1') ? '3.1.0' : undefined;
  if (!read) throw new PluginSourceError(`The spec says openapi ${JSON.stringify(version ?? null)}; only Swagger 2.0 and OpenAPI 3.0 and 3.1 are read.`);
  problems.warn(`The spec says openapi ${JSON.stringify(version)}; it is read as ${read}.`, 'spec');
  return read;
}

/**
 * Replaces each `$ref` that is not a resolvable pointer into this document by an empty schema
 * (which accepts anything), reporting each target once.
 */
function replaceUnresolvableRefs(document: Record<string, unknown>, problems: ProblemLog): void {
  const reported = new Set<string>();
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      node.forEach((item, index) => {
        if (isUnresolvable(item)) node[index] = replacement(item);
        else visit(item);
      });
      return;
    }
    if (!isRecord(node)) return;
    for (const [key, child] of Object.entries(node)) {
      if (isUnresolvable(child)) node[key] = replacement(child);
      else visit(child);
    }
  };
  const isUnresolvable = (node: unknown): node is { $ref: string; description?: unknown } =>
    isRecord(node) && typeof node.$ref === 'string' && !(node.$ref.startsWith('#') && pointerTarget(document, node.$ref) !== undefined);
  const replacement = (node: { $ref: string; description?: unknown }): Record<string, unknown> => {
    const ref = node.$ref;
    if (!reported.has(ref)) {
      reported.add(ref);
      const why = ref.startsWith('#') ? 'points to nothing in the spec' : 'points outside the spec, and Gantry never fetches other documents';
      problems.warn(`The $ref ${JSON.stringify(ref)} ${why}; schemas using it accept any value.`, 'spec');
    }
    return typeof node.description === 'string' ? { description: node.description } : {};
  };
  visit(document);
}

function pointerTarget(document: unknown, ref: string): unknown {
  let current = document;
  for (const raw of ref.replace(/^#\/?/, '').split('/').filter((part) => part !== '')) {
    const key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    if (!isRecord(current) && !Array.isArray(current)) return undefined;
    current = (current as Record<string, unknown>)[key];
    if (current === undefined) return undefined;
  }
  return current;
}
