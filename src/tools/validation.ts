import { z } from 'zod';
import { interopSafeParseAsync, isInteropZodSchema } from '@langchain/core/utils/types';
import { Validator, toJsonSchema, type JSONSchema } from '@langchain/core/utils/json_schema';

/** One problem with a tool call's arguments, addressed by field path. */
export interface ValidationIssue {
  path: (string | number)[];
  message: string;
}

export type ValidationResult = { ok: true; value: unknown } | { ok: false; issues: ValidationIssue[] };

export type ArgumentValidator = (args: unknown) => Promise<ValidationResult>;

/** Builds a validator for a zod 4 schema, a zod 3 schema (LangChain interop), or a JSON schema. */
export function createValidator(schema: unknown): ArgumentValidator {
  if (schema instanceof z.ZodType) {
    return async (args) => {
      const parsed = await schema.safeParseAsync(args);
      return parsed.success ? { ok: true, value: parsed.data } : { ok: false, issues: fromZodIssues(parsed.error.issues) };
    };
  }
  if (isInteropZodSchema(schema)) {
    return async (args) => {
      const parsed = await interopSafeParseAsync(schema, args);
      return parsed.success
        ? { ok: true, value: parsed.data }
        : { ok: false, issues: fromZodIssues(parsed.error.issues as ZodLikeIssue[]) };
    };
  }
  const validator = new Validator(schema as ConstructorParameters<typeof Validator>[0], '7', false);
  return async (args) => {
    const result = validator.validate(args);
    if (result.valid) return { ok: true, value: args };
    return {
      ok: false,
      issues: result.errors
        .filter((error) => error.keyword !== 'properties' && error.keyword !== 'allOf')
        .map((error) => ({ path: pointerToPath(error.instanceLocation), message: error.error })),
    };
  };
}

/** The JSON schema a model sees for any accepted schema kind, without the `$schema` marker. */
export function toModelJsonSchema(schema: unknown): Record<string, unknown> {
  const json =
    schema instanceof z.ZodType
      ? z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' })
      : (toJsonSchema(schema as JSONSchema) as Record<string, unknown>);
  const { $schema: _ignored, ...rest } = json as Record<string, unknown>;
  return rest;
}

interface ZodLikeIssue {
  path: PropertyKey[];
  message: string;
}

function fromZodIssues(issues: readonly ZodLikeIssue[]): ValidationIssue[] {
  return issues.map((issue) => ({
    path: issue.path.filter((key): key is string | number => typeof key !== 'symbol'),
    message: issue.message,
  }));
}

function pointerToPath(pointer: string): (string | number)[] {
  return pointer
    .replace(/^#\/?/, '')
    .split('/')
    .filter(Boolean)
    .map((part) => (/^\d+$/.test(part) ? Number(part) : part.replace(/~1/g, '/').replace(/~0/g, '~')));
}

/** Reads the value at a field path, for quoting what the model sent. */
export function valueAtPath(value: unknown, path: readonly (string | number)[]): unknown {
  let current = value;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string | number, unknown>)[key];
  }
  return current;
}
