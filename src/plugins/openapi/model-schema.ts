import { isRecord } from './plugin-manifest.ts';

/** Nesting kept in an argument schema; deeper structures become an open object with a note. */
export const MAX_SCHEMA_DEPTH = 12;
/** Schema nodes converted for one tool; past this, sub-schemas become open objects with a note. */
export const MAX_SCHEMA_NODES = 2_000;
/** Each `description` inside an argument schema is cut to this many characters. */
export const MAX_SCHEMA_DESCRIPTION_CHARS = 500;

/** Keywords a model and the draft-7 validator understand; everything else (`xml`, `discriminator`, `x-…`) is dropped. */
const KEPT = new Set([
  'type', 'title', 'description', 'enum', 'const', 'default', 'format', 'examples', 'items', 'properties', 'required',
  'additionalProperties', 'patternProperties', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf',
  'minLength', 'maxLength', 'pattern', 'minItems', 'maxItems', 'uniqueItems', 'minProperties', 'maxProperties',
  'oneOf', 'anyOf', 'allOf', 'not',
]);
const SUBSCHEMA = new Set(['items', 'additionalProperties', 'not']);
const SUBSCHEMA_LISTS = new Set(['oneOf', 'anyOf', 'allOf']);

export const RECURSIVE_NOTE = 'Recursive: the same structure as an enclosing object (not expanded further).';
export const TOO_LARGE_NOTE = 'Not expanded: the schema is too large to show in full.';

/** What converting a schema had to change, for the load report. */
export interface SchemaNotes {
  recursionCut: boolean;
  descriptionsCut: number;
  /** Schema nodes converted so far, against `MAX_SCHEMA_NODES`. */
  nodes: number;
  sizeCut: boolean;
}

export function emptySchemaNotes(): SchemaNotes {
  return { recursionCut: false, descriptionsCut: 0, nodes: 0, sizeCut: false };
}

/**
 * Turns a dereferenced OpenAPI schema into a plain JSON schema a model can read and the router
 * can validate with: `nullable` becomes a `null` type, 3.0's boolean `exclusiveMinimum` the
 * numeric form, `example` becomes `examples`, Swagger's `file` a string, and `readOnly`
 * properties (the server sets them) leave request schemas. Cycles are cut where a schema
 * contains itself; the input is never modified.
 */
export function toModelSchema(schema: unknown, notes: SchemaNotes): Record<string, unknown> {
  return convert({ schema, notes, ancestors: new Set(), depth: 0 });
}

function convert(options: { schema: unknown; notes: SchemaNotes; ancestors: Set<object>; depth: number }): Record<string, unknown> {
  const { schema, notes, ancestors, depth } = options;
  if (schema === true || !isRecord(schema)) return {};
  if (ancestors.has(schema) || depth > MAX_SCHEMA_DEPTH) {
    notes.recursionCut = true;
    return { description: RECURSIVE_NOTE };
  }
  if (++notes.nodes > MAX_SCHEMA_NODES) {
    notes.sizeCut = true;
    return { description: TOO_LARGE_NOTE };
  }
  ancestors.add(schema);
  const sub = (child: unknown) => convert({ schema: child, notes, ancestors, depth: depth + 1 });
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (!KEPT.has(key) || value === undefined) continue;
    if (key === 'properties' && isRecord(value)) {
      const properties: Record<string, unknown> = {};
      for (const [name, property] of Object.entries(value)) {
        if (isRecord(property) && property.readOnly === true) continue;
        properties[name] = sub(property);
      }
      result.properties = properties;
    } else if (key === 'patternProperties' && isRecord(value)) {
      result.patternProperties = Object.fromEntries(Object.entries(value).map(([pattern, child]) => [pattern, sub(child)]));
    } else if (SUBSCHEMA.has(key)) {
      result[key] = typeof value === 'boolean' ? value : sub(value);
    } else if (SUBSCHEMA_LISTS.has(key) && Array.isArray(value)) {
      result[key] = value.map(sub);
    } else if (key === 'required') {
      // Real specs write `required: true` inside a property (OpenAPI wants a list on the parent).
      if (Array.isArray(value)) result.required = value.filter((name) => typeof name === 'string');
    } else if (key === 'description' && typeof value === 'string') {
      result.description = cutDescription(value, notes);
    } else {
      result[key] = value;
    }
  }
  ancestors.delete(schema);
  if (schema.example !== undefined && result.examples === undefined) result.examples = [schema.example];
  if (result.type === 'file') result.type = 'string';
  fixExclusiveBounds(result);
  if (schema.nullable === true) allowNull(result);
  if (Array.isArray(result.required) && isRecord(result.properties)) {
    const properties = result.properties;
    result.required = result.required.filter((name) => typeof name === 'string' && name in properties);
    if ((result.required as string[]).length === 0) delete result.required;
  }
  return result;
}

function cutDescription(text: string, notes: SchemaNotes): string {
  if (text.length <= MAX_SCHEMA_DESCRIPTION_CHARS) return text;
  notes.descriptionsCut++;
  return `${text.slice(0, MAX_SCHEMA_DESCRIPTION_CHARS - 1).trimEnd()}…`;
}

/** OpenAPI 3.0 writes `exclusiveMinimum: true` beside `minimum`; JSON schema wants the bound itself. */
function fixExclusiveBounds(result: Record<string, unknown>): void {
  for (const [exclusive, bound] of [['exclusiveMinimum', 'minimum'], ['exclusiveMaximum', 'maximum']] as const) {
    if (typeof result[exclusive] !== 'boolean') continue;
    if (result[exclusive] === true && typeof result[bound] === 'number') {
      result[exclusive] = result[bound];
      delete result[bound];
    } else {
      delete result[exclusive];
    }
  }
}

function allowNull(result: Record<string, unknown>): void {
  if (typeof result.type === 'string') result.type = [result.type, 'null'];
  else if (Array.isArray(result.type) && !result.type.includes('null')) result.type = [...result.type, 'null'];
  if (Array.isArray(result.enum) && !result.enum.includes(null)) result.enum = [...result.enum, null];
}
