import type { GbnfJsonSchema } from 'node-llama-cpp';

type Json = Record<string, unknown>;

/**
 * What node-llama-cpp's grammar accepts for "any JSON value". A schema part its grammar builder
 * does not recognise silently becomes `null`, so "anything" has to be spelled out.
 */
const ANY_JSON: Json = {
  oneOf: [{ type: ['string', 'number', 'boolean', 'null'] }, { type: 'array' }, { type: 'object', additionalProperties: true }],
};

const NULL_SCHEMA: Json = { type: 'null' };
const GRAMMAR_STRING_FORMATS = new Set(['date-time', 'time', 'date']);
const PRIMITIVE_TYPES = new Set(['string', 'number', 'integer', 'boolean', 'null']);

/**
 * Rewrites a JSON schema into the subset node-llama-cpp turns into a grammar. The rules:
 * - `anyOf` becomes `oneOf` (its grammar makes no exclusivity check); a one-branch union is its branch.
 * - Every property is always generated (the grammar has no optional keys), so an optional
 *   property becomes nullable; {@link restoreOptionalFields} removes those `null`s afterwards.
 * - A `type` list that includes `object` or `array` becomes a `oneOf` of one schema per type.
 * - An empty schema (`{}`, `true`) and a schema without `type`, `enum`, `const` or a union become
 *   "any JSON value" spelled out, instead of the `null` the grammar builder would make of them.
 * - `allOf` merges the properties of its object parts; `not`, `if`/`then`, `pattern`,
 *   `minimum`/`maximum`, `multipleOf`, `uniqueItems` and string formats other than `date-time`,
 *   `time` and `date` are dropped (validation afterwards still checks them).
 * - `definitions` and `#/definitions/` references move to `$defs`.
 */
export function toGrammarSchema(schema: unknown): GbnfJsonSchema {
  return rewrite(schema, true) as GbnfJsonSchema;
}

function rewrite(schema: unknown, root = false): Json {
  if (schema === true || schema === undefined) return ANY_JSON;
  if (schema === false || typeof schema !== 'object' || schema === null) return NULL_SCHEMA;
  const source = schema as Json;
  const description = typeof source.description === 'string' ? { description: source.description } : {};
  const defs = root ? rewriteDefs(source) : {};
  const result = rewriteBody(source);
  return { ...result, ...description, ...defs };
}

function rewriteBody(source: Json): Json {
  if (typeof source.$ref === 'string') return { $ref: source.$ref.replace('#/definitions/', '#/$defs/') };
  if ('const' in source) return { const: source.const };
  if (Array.isArray(source.enum)) return { enum: source.enum.filter((value) => value === null || typeof value !== 'object') };
  const union = (source.anyOf ?? source.oneOf) as unknown[] | undefined;
  if (Array.isArray(union)) return unionOf(union.map((branch) => rewrite(branch)));
  if (Array.isArray(source.allOf)) return rewrite(mergeAllOf(source.allOf as unknown[]));
  const type = source.type;
  if (Array.isArray(type)) {
    const types = type.filter((item): item is string => typeof item === 'string');
    if (types.every((item) => PRIMITIVE_TYPES.has(item)) && !types.includes('string')) return { type: types };
    return unionOf(types.map((item) => rewriteBody({ ...source, type: item })));
  }
  switch (type) {
    case 'object':
      return rewriteObject(source);
    case 'array':
      return rewriteArray(source);
    case 'string':
      return rewriteString(source);
    case 'number':
    case 'integer':
    case 'boolean':
    case 'null':
      return { type };
    default:
      return ANY_JSON;
  }
}

function rewriteObject(source: Json): Json {
  const properties = (source.properties ?? {}) as Record<string, unknown>;
  const required = new Set(Array.isArray(source.required) ? (source.required as string[]) : []);
  const entries = Object.entries(properties).map(([key, value]) => {
    const rewritten = rewrite(value);
    return [key, required.has(key) || allowsNull(rewritten) ? rewritten : unionOf([rewritten, NULL_SCHEMA])] as const;
  });
  const result: Json = { type: 'object', properties: Object.fromEntries(entries) };
  const extra = source.additionalProperties;
  // Free-form keys only where the schema has no fixed ones: a record, or an open object.
  if (entries.length === 0 && extra !== false) result.additionalProperties = extra === undefined || extra === true ? true : rewrite(extra);
  for (const key of ['minProperties', 'maxProperties'] as const) if (typeof source[key] === 'number') result[key] = source[key];
  return result;
}

function rewriteArray(source: Json): Json {
  const result: Json = { type: 'array' };
  if (Array.isArray(source.items)) result.prefixItems = source.items.map((item) => rewrite(item));
  else if (source.items !== undefined) result.items = rewrite(source.items);
  if (Array.isArray(source.prefixItems)) result.prefixItems = source.prefixItems.map((item) => rewrite(item));
  for (const key of ['minItems', 'maxItems'] as const) if (typeof source[key] === 'number') result[key] = source[key];
  return result;
}

function rewriteString(source: Json): Json {
  if (typeof source.format === 'string' && GRAMMAR_STRING_FORMATS.has(source.format)) return { type: 'string', format: source.format };
  const result: Json = { type: 'string' };
  for (const key of ['minLength', 'maxLength'] as const) if (typeof source[key] === 'number') result[key] = source[key];
  return result;
}

function rewriteDefs(source: Json): Json {
  const defs = { ...((source.definitions ?? {}) as Json), ...((source.$defs ?? {}) as Json) };
  if (Object.keys(defs).length === 0) return {};
  return { $defs: Object.fromEntries(Object.entries(defs).map(([name, def]) => [name, rewrite(def)])) };
}

function unionOf(branches: Json[]): Json {
  const flat = branches.flatMap((branch) => (Array.isArray(branch.oneOf) && Object.keys(branch).length === 1 ? (branch.oneOf as Json[]) : [branch]));
  return flat.length === 1 ? flat[0]! : { oneOf: flat };
}

function mergeAllOf(parts: unknown[]): Json {
  const objects = parts.filter((part): part is Json => typeof part === 'object' && part !== null);
  if (objects.length === 1) return objects[0]!;
  const properties: Json = {};
  const required: string[] = [];
  for (const part of objects) {
    Object.assign(properties, part.properties ?? {});
    if (Array.isArray(part.required)) required.push(...(part.required as string[]));
  }
  return { type: 'object', properties, required };
}

function allowsNull(schema: Json): boolean {
  if (schema.type === 'null' || schema.const === null) return true;
  if (Array.isArray(schema.type) && schema.type.includes('null')) return true;
  if (Array.isArray(schema.enum) && schema.enum.includes(null)) return true;
  return Array.isArray(schema.oneOf) && (schema.oneOf as Json[]).some(allowsNull);
}

/**
 * Removes the `null` the grammar generated for optional properties, so a value the model left out
 * comes back absent, as the caller's schema describes it. Walks the original schema (not the
 * rewritten one): only keys outside `required` are removed.
 */
export function restoreOptionalFields({ schema, value }: { schema: unknown; value: unknown }): unknown {
  return restore(schema, value, rootDefs(schema));
}

function restore(schema: unknown, value: unknown, defs: Json): unknown {
  if (typeof schema !== 'object' || schema === null || value === null || typeof value !== 'object') return value;
  let source = schema as Json;
  if (typeof source.$ref === 'string') source = (defs[source.$ref.replace(/^#\/(\$defs|definitions)\//, '')] ?? {}) as Json;
  if (Array.isArray(value)) {
    const items = source.items;
    if (Array.isArray(items)) return value.map((item, index) => restore(items[index], item, defs));
    return items === undefined ? value : value.map((item) => restore(items, item, defs));
  }
  const union = (source.anyOf ?? source.oneOf ?? source.allOf) as unknown[] | undefined;
  if (Array.isArray(union)) {
    const branch = Array.isArray(source.allOf) ? mergeAllOf(union) : union.find((part) => fitsObject(part, value as Json));
    return branch === undefined ? value : restore(branch, value, defs);
  }
  const properties = source.properties as Record<string, unknown> | undefined;
  if (!properties) return value;
  const required = new Set(Array.isArray(source.required) ? (source.required as string[]) : []);
  const result: Json = {};
  for (const [key, field] of Object.entries(value as Json)) {
    if (field === null && key in properties && !required.has(key)) continue;
    result[key] = key in properties ? restore(properties[key], field, defs) : field;
  }
  return result;
}

function fitsObject(schema: unknown, value: Json): boolean {
  if (typeof schema !== 'object' || schema === null) return false;
  const properties = (schema as Json).properties as Json | undefined;
  return properties !== undefined && Object.keys(value).every((key) => key in properties);
}

function rootDefs(schema: unknown): Json {
  if (typeof schema !== 'object' || schema === null) return {};
  const source = schema as Json;
  return { ...((source.definitions ?? {}) as Json), ...((source.$defs ?? {}) as Json) };
}
