import path from 'node:path';
import { describeError, UserError } from '../../agent/errors.ts';
import type { WebPolicy } from '../../net/web-policy.ts';
import type { LoadedPlugin } from '../plugin.ts';
import { isPlaceholderUrl, resolveBaseUrl } from './base-url.ts';
import { DEFAULT_MAX_RESPONSE_BYTES } from './operation-call.ts';
import { buildOperationTools } from './operation-tools.ts';
import { assertAuthConfig, resolvePluginAuth, type PluginAuthConfig } from './plugin-auth.ts';
import { looksLikeManifest, readManifest, type PluginManifest } from './plugin-manifest.ts';
import {
  describeLocation, isUrlSource, PluginSourceError, readReferencedDocument, readSourceDocument, type DocumentLocation, type FetchSettings,
} from './plugin-source.ts';
import { createProblemLog, type ProblemLog } from './problem-log.ts';
import { prepareSpec, type OpenApiDocument } from './spec-document.ts';
import { pluginContext } from './tool-description.ts';
import { sanitizeToolName } from './tool-names.ts';

export interface LoadOpenApiPluginOptions {
  /**
   * Where the plugin is: `https://host` (its `/.well-known/ai-plugin.json`), the URL of a
   * manifest or a spec (told apart by content), a manifest or spec file (JSON or YAML), or a
   * folder holding `ai-plugin.json`, `.well-known/ai-plugin.json` or `openapi.{yaml,yml,json}`.
   */
  source: string;
  /** The plugin's name; defaults to the manifest's `name_for_model`, else the spec's `info.title`. */
  name?: string;
  /** The credential for the plugin's API; needed when the manifest's auth is not `none`. */
  auth?: PluginAuthConfig;
  /** The API's base URL, overriding the spec's `servers` and the manifest's origin. The credential is sent there. */
  baseUrl?: string;
  /** Extra headers sent with every API call (never with the manifest or spec requests). */
  headers?: Record<string, string>;
  /** Where `auth.tokenEnv` and `auth.passwordEnv` are read. */
  env: Readonly<Record<string, string | undefined>>;
  /** What the manifest, spec and API calls may reach (the web tools' SSRF guard). */
  policy: WebPolicy;
  /** Relative file sources are resolved here (default `process.cwd()`). */
  cwd?: string;
  /** Response bytes a call keeps before cutting (default 100 KiB). */
  maxResponseBytes?: number;
  /** For each request: the manifest, the spec, each API call (default: `guardedFetch`'s 20 s). */
  timeoutMs?: number;
  /** Prepended as `prefix_` to every tool name, within the 64-character limit (default: none). */
  toolNamePrefix?: string;
}

/** Header names whose values are treated as secrets and cut from anything shown. */
const SECRET_HEADER = /auth|key|token|secret|cookie|session|password/i;

/**
 * Loads a ChatGPT plugin (manifest and OpenAPI spec) or a bare OpenAPI spec as a plugin of typed
 * tools, one per operation. Problems in the plugin's content never throw: they are reported in
 * `problems`, and a plugin whose manifest or spec cannot be read has no tools and an `error`
 * problem. Throws `UserError` only for options that are themselves wrong.
 */
export async function loadOpenApiPlugin(options: LoadOpenApiPluginOptions): Promise<LoadedPlugin> {
  assertOptions(options);
  const { source } = options;
  const problems = createProblemLog(source);
  const fetch: FetchSettings = { policy: options.policy, ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}) };
  let name = options.name ?? fallbackName(source);
  const plugin = (tools: LoadedPlugin['tools']): LoadedPlugin => ({ name, kind: 'openapi', source, tools, problems: problems.problems, close: async () => {} });
  let documents: LoadedDocuments;
  try {
    documents = await loadDocuments({ source, cwd: options.cwd ?? process.cwd(), fetch, problems });
  } catch (error) {
    problems.error(error instanceof PluginSourceError ? error.message : `The plugin could not be loaded: ${describeError(error)}`);
    return plugin([]);
  }
  const { manifest, manifestLocation, spec, specLocation } = documents;
  const info = spec.info as { title?: unknown } | undefined;
  name = options.name ?? (sanitizeToolName(manifest?.nameForModel ?? '') || sanitizeToolName(typeof info?.title === 'string' ? info.title : '') || name);

  const baseUrl = resolveBaseUrl({ override: options.baseUrl, servers: spec.servers, specLocation, manifestLocation, problems });
  if (baseUrl === undefined) return plugin([]);
  const auth = resolvePluginAuth({ pluginName: name, manifestAuth: manifest?.auth, config: options.auth, env: options.env, warn: (message) => problems.warn(message, 'auth') });
  if (auth.missing) problems.error(auth.missing, 'auth');
  const sendCredential = credentialAllowed({ baseUrl, explicit: options.baseUrl !== undefined, manifestLocation });
  if (auth.authorization && !sendCredential) {
    problems.error(
      `The API's base URL ${baseUrl} is not on the origin the manifest came from (${manifestLocation?.url?.origin}), so the plugin's credential is not sent there. If you trust it, set baseUrl to ${baseUrl} in the plugin's configuration.`,
      'auth',
    );
  }
  const headers = options.headers ?? {};
  const secrets = [...auth.secrets, ...Object.entries(headers).filter(([header]) => SECRET_HEADER.test(header)).map(([, value]) => value)];
  const context = pluginContext({ pluginName: name, descriptionForModel: manifest?.descriptionForModel });
  if (context.cut) problems.warn(`The manifest's description_for_model is ${manifest?.descriptionForModel?.length} characters; tool descriptions carry its first 300.`, 'manifest');
  const tools = buildOperationTools({
    document: spec,
    context: context.text,
    endpoint: {
      baseUrl, auth: { ...auth, secrets }, sendCredential, headers, policy: options.policy,
      maxResponseBytes: options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES, timeoutMs: options.timeoutMs,
    },
    prefix: options.toolNamePrefix,
    problems,
  });
  return plugin(tools);
}

interface LoadedDocuments {
  manifest: PluginManifest | undefined;
  manifestLocation: DocumentLocation | undefined;
  spec: OpenApiDocument;
  specLocation: DocumentLocation;
}

async function loadDocuments(options: { source: string; cwd: string; fetch: FetchSettings; problems: ProblemLog }): Promise<LoadedDocuments> {
  const { source, cwd, fetch, problems } = options;
  const first = await readSourceDocument({ source, cwd, fetch });
  if (!looksLikeManifest(first.value)) {
    if (!isSpecLike(first.value)) {
      throw new PluginSourceError(`${describeLocation(first.location)} is neither a plugin manifest (no schema_version, api or name_for_model) nor an OpenAPI spec (no openapi or swagger).`);
    }
    return { manifest: undefined, manifestLocation: undefined, spec: await prepareSpec(first.value, problems), specLocation: first.location };
  }
  const manifest = readManifest(first.value, problems);
  if (!manifest.api) throw new PluginSourceError('The manifest has no usable api.url, so there is no spec to load.');
  const ref = specReference(manifest.api.url, first.location, problems);
  const second = await readReferencedDocument({ ref, from: first.location, fetch }).catch((error: unknown) => {
    throw new PluginSourceError(`The manifest's spec could not be read: ${describeError(error)}`);
  });
  if (!isSpecLike(second.value)) throw new PluginSourceError(`The manifest's api.url (${describeLocation(second.location)}) is not an OpenAPI spec (no openapi or swagger).`);
  return { manifest, manifestLocation: first.location, spec: await prepareSpec(second.value, problems), specLocation: second.location };
}

/** The manifest's `api.url`, with a placeholder host (`localhost:5003`, `example.com`) moved to the manifest's origin. */
function specReference(url: string, manifestLocation: DocumentLocation, problems: ProblemLog): string {
  if (!manifestLocation.url || !isUrlSource(url)) return url;
  const target = new URL(url);
  if (target.origin === manifestLocation.url.origin || !isPlaceholderUrl(target, manifestLocation.url)) return url;
  const moved = new URL(`${target.pathname}${target.search}`, manifestLocation.url.origin).href;
  problems.warn(`The manifest's api.url ${url} looks like a placeholder; the spec is read from ${moved} instead.`, 'manifest');
  return moved;
}

/**
 * The credential goes to the API's origin only, and, for a manifest read from a URL, only when
 * that is the manifest's own origin: a spec must not be able to send a user's token elsewhere.
 * A `baseUrl` the user set is trusted.
 */
function credentialAllowed(options: { baseUrl: string; explicit: boolean; manifestLocation: DocumentLocation | undefined }): boolean {
  const { baseUrl, explicit, manifestLocation } = options;
  if (explicit || !manifestLocation?.url) return true;
  return new URL(baseUrl).origin === manifestLocation.url.origin;
}

function isSpecLike(value: unknown): boolean {
  return typeof value === 'object' && value !== null && ('openapi' in value || 'swagger' in value);
}

function fallbackName(source: string): string {
  if (isUrlSource(source)) {
    try {
      return sanitizeToolName(new URL(source.trim()).hostname) || 'plugin';
    } catch {
      return 'plugin';
    }
  }
  return sanitizeToolName(path.basename(source).replace(/\.(json|ya?ml)$/i, '')) || 'plugin';
}

function assertOptions(options: LoadOpenApiPluginOptions): void {
  if (typeof options.source !== 'string' || options.source.trim() === '') {
    throw new UserError('loadOpenApiPlugin needs a "source": a URL, a manifest or spec file, or a folder.');
  }
  if (isUrlSource(options.source) && !URL.canParse(options.source.trim())) {
    throw new UserError(`The plugin source ${JSON.stringify(options.source)} is not a valid URL.`);
  }
  if (options.name !== undefined && (typeof options.name !== 'string' || options.name.trim() === '')) {
    throw new UserError('The plugin option "name" must be a non-empty string.');
  }
  if (options.baseUrl !== undefined && !(URL.canParse(options.baseUrl) && /^https?:$/.test(new URL(options.baseUrl).protocol))) {
    throw new UserError(`The plugin option "baseUrl" must be an absolute http or https URL, not ${JSON.stringify(options.baseUrl)}.`);
  }
  if (!options.policy || !Array.isArray(options.policy.allow)) throw new UserError('loadOpenApiPlugin needs a "policy" (e.g. webPolicyFromEnv(process.env)).');
  if (!options.env || typeof options.env !== 'object') throw new UserError('loadOpenApiPlugin needs "env" (e.g. process.env) to read auth.tokenEnv from.');
  for (const key of ['maxResponseBytes', 'timeoutMs'] as const) {
    const value = options[key];
    if (value !== undefined && !(typeof value === 'number' && value > 0)) throw new UserError(`The plugin option "${key}" must be a positive number.`);
  }
  if (options.headers !== undefined && (typeof options.headers !== 'object' || Object.values(options.headers).some((value) => typeof value !== 'string'))) {
    throw new UserError('The plugin option "headers" must map header names to string values.');
  }
  assertAuthConfig(options.auth);
}
