import type { JsonSchemaObject } from '../../tools/tool.ts';
import { toModelSchema, type SchemaNotes } from './model-schema.ts';
import { isRecord } from './plugin-manifest.ts';

/**
 * How an operation's inputs become one argument object. Parameters (path, query, header) are
 * properties named as in the spec (a name used twice gets its location appended: `id_query`).
 * A JSON or form body that is a plain object whose property names collide with no parameter is
 * flattened into the same object; any other body (an array, a `oneOf`, a body with a colliding
 * name, a text body) is one property, `body`.
 */
export interface ArgumentPlan {
  parameters: ParameterTarget[];
  body?: BodyTarget;
}

export interface ParameterTarget {
  /** The argument property that holds the value. */
  property: string;
  in: 'path' | 'query' | 'header';
  /** The parameter's name on the wire. */
  name: string;
  /** For query objects and arrays: `false` sends `a=1,2` instead of `a=1&a=2`. */
  explode: boolean;
  style?: string;
}

export type BodyEncoding = 'json' | 'form' | 'text';

export type BodyTarget =
  | { mode: 'fields'; fields: string[]; contentType: string; encoding: BodyEncoding }
  | { mode: 'whole'; property: string; contentType: string; encoding: BodyEncoding };

export interface OperationArguments {
  parameters: JsonSchemaObject;
  plan: ArgumentPlan;
  /** Warnings for the load report (a cookie parameter dropped, a body type not supported). */
  warnings: string[];
  /** Set when the operation cannot be offered at all. */
  unsupported?: string;
}

const MANAGED_HEADER_PARAMS = new Set(['accept', 'content-type', 'authorization']);

export function buildOperationArguments(options: {
  operation: Record<string, unknown>;
  pathParameters: unknown;
  notes: SchemaNotes;
}): OperationArguments {
  const { operation, notes } = options;
  const properties: Record<string, unknown> = {};
  const required: string[] = [];
  const warnings: string[] = [];
  const targets: ParameterTarget[] = [];
  for (const parameter of mergeParameters(options.pathParameters, operation.parameters)) {
    const name = String(parameter.name);
    const location = parameter.in;
    if (location === 'cookie') {
      warnings.push(`The cookie parameter "${name}" is not supported and was left out${parameter.required === true ? '; calls may fail without it' : ''}.`);
      continue;
    }
    if (location !== 'path' && location !== 'query' && location !== 'header') continue;
    if (location === 'header' && MANAGED_HEADER_PARAMS.has(name.toLowerCase())) {
      if (name.toLowerCase() === 'authorization') warnings.push('The "Authorization" header parameter was left out: credentials come from the plugin\'s auth configuration.');
      continue;
    }
    const property = freeName(properties, name, location);
    properties[property] = parameterSchema(parameter, notes);
    if (location === 'path' || parameter.required === true) required.push(property);
    const style = typeof parameter.style === 'string' ? parameter.style : undefined;
    targets.push({ property, in: location, name, explode: parameter.explode !== false && (style ?? 'form') === 'form', ...(style ? { style } : {}) });
  }

  const plan: ArgumentPlan = { parameters: targets };
  const body = isRecord(operation.requestBody) ? operation.requestBody : undefined;
  if (body && isRecord(body.content)) {
    const chosen = chooseMediaType(body.content);
    const bodyRequired = body.required === true;
    if (!chosen) {
      const types = Object.keys(body.content).join(', ') || 'none';
      if (bodyRequired) return { parameters: { type: 'object', properties: {} }, plan, warnings, unsupported: `its request body (${types}) is not JSON, form or text` };
      warnings.push(`The optional request body (${types}) is not JSON, form or text and was left out.`);
    } else {
      const media = isRecord(body.content[chosen.contentType]) ? (body.content[chosen.contentType] as Record<string, unknown>) : {};
      const schema = chosen.encoding === 'text' ? { type: 'string' } : toModelSchema(media.schema ?? {}, notes);
      if (typeof body.description === 'string' && schema.description === undefined) schema.description = body.description;
      const fields = flattenableFields(schema, properties);
      if (fields && chosen.encoding !== 'text') {
        Object.assign(properties, schema.properties);
        if (bodyRequired && Array.isArray(schema.required)) required.push(...(schema.required as string[]));
        plan.body = { mode: 'fields', fields, contentType: chosen.contentType, encoding: chosen.encoding };
      } else {
        const property = ['body', 'requestBody', 'request_body'].find((candidate) => !(candidate in properties)) ?? freeName(properties, 'body', 'request');
        properties[property] = schema;
        if (bodyRequired) required.push(property);
        plan.body = { mode: 'whole', property, contentType: chosen.contentType, encoding: chosen.encoding };
      }
    }
  }
  const parameters: JsonSchemaObject = { type: 'object', properties, ...(required.length > 0 ? { required: [...new Set(required)] } : {}) };
  return { parameters, plan, warnings };
}

/** Operation parameters override path-level ones with the same name and location. */
function mergeParameters(pathLevel: unknown, operationLevel: unknown): Record<string, unknown>[] {
  const merged = new Map<string, Record<string, unknown>>();
  for (const list of [pathLevel, operationLevel]) {
    if (!Array.isArray(list)) continue;
    for (const parameter of list) {
      if (isRecord(parameter) && typeof parameter.name === 'string' && typeof parameter.in === 'string') merged.set(`${parameter.in}:${parameter.name}`, parameter);
    }
  }
  return [...merged.values()];
}

function parameterSchema(parameter: Record<string, unknown>, notes: SchemaNotes): Record<string, unknown> {
  const content = isRecord(parameter.content) ? Object.values(parameter.content).find(isRecord) : undefined;
  const source = parameter.schema ?? content?.schema;
  const schema = source === undefined ? { type: 'string' } : toModelSchema(source, notes);
  if (typeof parameter.description === 'string' && parameter.description.trim() !== '') {
    schema.description = toModelSchema({ description: parameter.description }, notes).description;
  }
  if (parameter.example !== undefined && schema.examples === undefined) schema.examples = [parameter.example];
  if (parameter.deprecated === true) schema.description = `${schema.description ? `${String(schema.description)} ` : ''}(Deprecated.)`;
  return schema;
}

function freeName(properties: Record<string, unknown>, name: string, location: string): string {
  if (!(name in properties)) return name;
  let candidate = `${name}_${location}`;
  for (let counter = 2; candidate in properties; counter++) candidate = `${name}_${location}_${counter}`;
  return candidate;
}

function chooseMediaType(content: Record<string, unknown>): { contentType: string; encoding: BodyEncoding } | undefined {
  const types = Object.keys(content);
  const lower = (type: string) => type.toLowerCase().split(';')[0]!.trim();
  const find = (test: (type: string) => boolean) => types.find((type) => test(lower(type)));
  const json = find((type) => type === 'application/json') ?? find((type) => /^application\/[\w.-]+\+json$/.test(type) || type === 'application/json-patch+json');
  if (json) return { contentType: json, encoding: 'json' };
  const form = find((type) => type === 'application/x-www-form-urlencoded');
  if (form) return { contentType: form, encoding: 'form' };
  const text = find((type) => type.startsWith('text/'));
  if (text) return { contentType: text, encoding: 'text' };
  const any = find((type) => type === '*/*' || type === 'application/*');
  if (any) return { contentType: 'application/json', encoding: 'json' };
  return undefined;
}

/** The body's property names when it can sit beside the parameters, else undefined. */
function flattenableFields(schema: Record<string, unknown>, taken: Record<string, unknown>): string[] | undefined {
  if (schema.type !== undefined && schema.type !== 'object') return undefined;
  if (!isRecord(schema.properties) || ['oneOf', 'anyOf', 'allOf', 'not'].some((key) => key in schema)) return undefined;
  const fields = Object.keys(schema.properties);
  if (fields.length === 0 || fields.some((field) => field in taken)) return undefined;
  return fields;
}
