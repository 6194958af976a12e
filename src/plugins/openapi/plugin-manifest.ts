import { z } from 'zod';
import type { ManifestAuth } from './plugin-auth.ts';
import type { ProblemLog } from './problem-log.ts';

/** The fields of an `ai-plugin.json` Gantry reads; every one may be missing in a real manifest. */
export interface PluginManifest {
  schemaVersion?: string;
  nameForModel?: string;
  nameForHuman?: string;
  descriptionForModel?: string;
  auth?: ManifestAuth;
  api?: { type?: string; url: string };
}

const FIELDS = {
  schema_version: z.string(),
  name_for_human: z.string(),
  name_for_model: z.string(),
  description_for_human: z.string(),
  description_for_model: z.string(),
  auth: z.looseObject({ type: z.string(), authorization_type: z.string().optional() }),
  api: z.looseObject({ type: z.string().optional(), url: z.string().min(1) }),
  logo_url: z.string(),
  contact_email: z.string(),
  legal_info_url: z.string(),
} as const;

type FieldName = keyof typeof FIELDS;
const REQUIRED: FieldName[] = ['name_for_model', 'description_for_model', 'auth', 'api'];

/** True when a parsed document looks like a plugin manifest rather than an OpenAPI spec. */
export function looksLikeManifest(value: unknown): boolean {
  if (!isRecord(value) || 'openapi' in value || 'swagger' in value) return false;
  return 'schema_version' in value || 'api' in value || 'name_for_model' in value;
}

/**
 * Reads a manifest leniently: each field is checked on its own, a field of the wrong shape is
 * reported and ignored, unknown keys are listed in one warning, and missing fields are reported.
 * Only a missing `api.url` stops the plugin, which the caller decides.
 */
export function readManifest(value: unknown, problems: ProblemLog): PluginManifest {
  if (!isRecord(value)) return {};
  const unknownKeys = Object.keys(value).filter((key) => !(key in FIELDS));
  if (unknownKeys.length > 0) problems.warn(`The manifest has keys the plugin format does not define, which were ignored: ${unknownKeys.join(', ')}.`, 'manifest');
  const fields: Partial<Record<FieldName, unknown>> = {};
  for (const name of Object.keys(FIELDS) as FieldName[]) {
    if (value[name] === undefined) continue;
    const parsed = FIELDS[name].safeParse(value[name]);
    if (parsed.success) fields[name] = parsed.data;
    else problems.warn(`The manifest's "${name}" was ignored: ${describeIssue(parsed.error.issues[0])}.`, 'manifest');
  }
  const missing = REQUIRED.filter((name) => fields[name] === undefined && value[name] === undefined);
  if (missing.length > 0) problems.warn(`The manifest lacks ${missing.map((name) => `"${name}"`).join(', ')}.`, 'manifest');
  if (fields.schema_version !== undefined && fields.schema_version !== 'v1') {
    problems.warn(`The manifest's schema_version is ${JSON.stringify(fields.schema_version)}; Gantry reads it as v1.`, 'manifest');
  }
  const api = fields.api as { type?: string; url: string } | undefined;
  if (api?.type !== undefined && api.type !== 'openapi') problems.warn(`The manifest's api.type is ${JSON.stringify(api.type)}; Gantry reads the api as OpenAPI.`, 'manifest');
  if (fields.auth === undefined) problems.warn('The manifest has no usable "auth"; it is taken as { "type": "none" }.', 'manifest');
  const auth = fields.auth as { type: string; authorization_type?: string } | undefined;
  return {
    ...(fields.schema_version !== undefined ? { schemaVersion: fields.schema_version as string } : {}),
    ...(fields.name_for_model !== undefined ? { nameForModel: fields.name_for_model as string } : {}),
    ...(fields.name_for_human !== undefined ? { nameForHuman: fields.name_for_human as string } : {}),
    ...(fields.description_for_model !== undefined ? { descriptionForModel: fields.description_for_model as string } : {}),
    ...(auth ? { auth: { type: auth.type, ...(auth.authorization_type !== undefined ? { authorization_type: auth.authorization_type } : {}) } } : {}),
    ...(api ? { api: { url: api.url, ...(api.type !== undefined ? { type: api.type } : {}) } } : {}),
  };
}

function describeIssue(issue: z.core.$ZodIssue | undefined): string {
  if (!issue) return 'it has the wrong shape';
  const at = issue.path.length > 0 ? ` at ${issue.path.join('.')}` : '';
  return `${issue.message}${at}`;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
