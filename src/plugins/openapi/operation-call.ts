import { STATUS_CODES } from 'node:http';
import { describeError } from '../../agent/errors.ts';
import { guardedFetch, WebAccessError } from '../../net/guarded-fetch.ts';
import type { WebPolicy } from '../../net/web-policy.ts';
import type { ToolFailure } from '../../tools/tool.ts';
import type { ArgumentPlan, BodyTarget, ParameterTarget } from './operation-arguments.ts';
import { redactSecrets, type ResolvedAuth } from './plugin-auth.ts';

/** Response bytes kept when the plugin sets no `maxResponseBytes`; the rest is cut with a note. */
export const DEFAULT_MAX_RESPONSE_BYTES = 100 * 1024;
/** Characters of an error response's body quoted in the tool error. */
export const ERROR_EXCERPT_CHARS = 500;

const ACCEPT = 'application/json, text/*;q=0.9, */*;q=0.1';

/** Everything a call needs besides the arguments; fixed when the plugin loads. */
export interface OperationEndpoint {
  method: string;
  /** The spec's path template, `/pets/{petId}`. */
  path: string;
  plan: ArgumentPlan;
  baseUrl: string;
  auth: ResolvedAuth;
  /** Whether the credential may go to `baseUrl` (its origin is the plugin's own). */
  sendCredential: boolean;
  /** Extra headers from the plugin's configuration. */
  headers: Record<string, string>;
  policy: WebPolicy;
  maxResponseBytes: number;
  timeoutMs: number | undefined;
}

/**
 * Calls the operation through the SSRF guard and returns what the model sees: the response
 * (JSON re-indented, or text), cut to `maxResponseBytes` with a note; or a failure naming the
 * status, the method and URL, and the start of the body. No credential ever appears in either.
 */
export async function callOperation(options: { endpoint: OperationEndpoint; input: Record<string, unknown>; signal: AbortSignal }): Promise<string | ToolFailure> {
  const { endpoint, input, signal } = options;
  const { method, auth } = endpoint;
  const redact = (text: string) => redactSecrets(text, auth.secrets);
  const url = buildUrl(endpoint, input);
  if (typeof url !== 'string') return url;
  const headers: Record<string, string> = { accept: ACCEPT, ...lowerKeys(endpoint.headers), ...headerArguments(endpoint.plan.parameters, input) };
  const body = encodeBody(endpoint.plan.body, input);
  if (body) headers['content-type'] = body.contentType;
  if (auth.authorization && endpoint.sendCredential && new URL(url).origin === new URL(endpoint.baseUrl).origin) headers.authorization = auth.authorization;
  const label = `${method.toUpperCase()} ${url}`;
  let response;
  try {
    response = await guardedFetch(url, {
      policy: endpoint.policy,
      method,
      headers,
      ...(body ? { body: body.text } : {}),
      maxBytes: endpoint.maxResponseBytes,
      signal,
      ...(endpoint.timeoutMs !== undefined ? { timeoutMs: endpoint.timeoutMs } : {}),
    });
  } catch (error) {
    if (signal.aborted) throw error;
    const detail = error instanceof WebAccessError ? error.message : describeError(error);
    return { ok: false, error: redact(`Could not call ${label}: ${detail}`) };
  }
  const text = response.body.toString('utf8');
  if (response.status < 200 || response.status > 299) {
    const statusText = STATUS_CODES[response.status];
    const excerpt = text.trim().slice(0, ERROR_EXCERPT_CHARS);
    const missing = (response.status === 401 || response.status === 403) && auth.missing ? ` ${auth.missing}` : '';
    return { ok: false, error: redact(`HTTP ${response.status}${statusText ? ` ${statusText}` : ''} from ${label}: ${excerpt || '(empty body)'}${missing}`) };
  }
  return redact(formatResponse({ text, contentType: response.contentType, status: response.status, bytes: response.body.length, truncated: response.truncated, maxBytes: endpoint.maxResponseBytes }));
}

function buildUrl(endpoint: OperationEndpoint, input: Record<string, unknown>): string | ToolFailure {
  let path = endpoint.path;
  for (const target of endpoint.plan.parameters.filter((parameter) => parameter.in === 'path')) {
    const value = input[target.property];
    if (value === undefined || value === null || value === '') return { ok: false, error: `Missing the path parameter "${target.property}".` };
    path = path.split(`{${target.name}}`).join(encodeURIComponent(scalarText(value)));
  }
  const query = new URLSearchParams();
  for (const target of endpoint.plan.parameters.filter((parameter) => parameter.in === 'query')) {
    appendQuery(query, target, input[target.property]);
  }
  const search = query.toString();
  return `${endpoint.baseUrl}${path.startsWith('/') ? path : `/${path}`}${search ? `?${search}` : ''}`;
}

function appendQuery(query: URLSearchParams, target: ParameterTarget, value: unknown): void {
  if (value === undefined || value === null) return;
  if (Array.isArray(value)) {
    if (target.explode) for (const item of value) query.append(target.name, scalarText(item));
    else query.append(target.name, value.map(scalarText).join(target.style === 'pipeDelimited' ? '|' : target.style === 'spaceDelimited' ? ' ' : ','));
  } else if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    if (target.style === 'deepObject') for (const [key, item] of entries) query.append(`${target.name}[${key}]`, scalarText(item));
    else if (target.explode) for (const [key, item] of entries) query.append(key, scalarText(item));
    else query.append(target.name, entries.flatMap(([key, item]) => [key, scalarText(item)]).join(','));
  } else {
    query.append(target.name, scalarText(value));
  }
}

function headerArguments(targets: readonly ParameterTarget[], input: Record<string, unknown>): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const target of targets) {
    const value = input[target.property];
    if (target.in !== 'header' || value === undefined || value === null) continue;
    headers[target.name.toLowerCase()] = Array.isArray(value) ? value.map(scalarText).join(',') : scalarText(value);
  }
  return headers;
}

function encodeBody(target: BodyTarget | undefined, input: Record<string, unknown>): { text: string; contentType: string } | undefined {
  if (!target) return undefined;
  let value: unknown;
  if (target.mode === 'whole') value = input[target.property];
  else {
    const fields = target.fields.filter((field) => input[field] !== undefined);
    if (fields.length === 0) return undefined;
    value = Object.fromEntries(fields.map((field) => [field, input[field]]));
  }
  if (value === undefined) return undefined;
  if (target.encoding === 'text') return { text: scalarText(value), contentType: target.contentType };
  if (target.encoding === 'form' && typeof value === 'object' && value !== null) {
    const form = new URLSearchParams();
    for (const [key, item] of Object.entries(value)) for (const each of Array.isArray(item) ? item : [item]) form.append(key, scalarText(each));
    return { text: form.toString(), contentType: 'application/x-www-form-urlencoded' };
  }
  return { text: JSON.stringify(value), contentType: target.encoding === 'json' ? target.contentType : 'application/json' };
}

function formatResponse(options: { text: string; contentType: string; status: number; bytes: number; truncated: boolean; maxBytes: number }): string {
  const { text, contentType, status, bytes, truncated, maxBytes } = options;
  if (bytes === 0) return `HTTP ${status}${STATUS_CODES[status] ? ` ${STATUS_CODES[status]}` : ''}: the API answered with an empty body.`;
  const textual = contentType === '' || contentType.startsWith('text/') || /json|xml|yaml|javascript|csv|urlencoded/.test(contentType);
  if (!textual) return `The API answered with ${bytes} bytes of ${contentType}, which cannot be shown as text.`;
  if (truncated) return `${text}\n[Response cut at ${maxBytes} bytes: ask for less, e.g. with paging or filter parameters.]`;
  if (contentType.includes('json') || /^\s*[[{]/.test(text)) {
    try {
      return JSON.stringify(JSON.parse(text), null, 2);
    } catch {
      // Not JSON after all: shown as the text it is.
    }
  }
  return text;
}

function scalarText(value: unknown): string {
  return typeof value === 'string' ? value : typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
}

function lowerKeys(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
}
