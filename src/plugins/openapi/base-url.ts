import { isRecord } from './plugin-manifest.ts';
import type { DocumentLocation } from './plugin-source.ts';
import type { ProblemLog } from './problem-log.ts';

const PLACEHOLDER_HOST = /(^|\.)(example\.(com|org|net)|example|invalid)$|(^|[.-])your|placeholder|^host(name)?$|^0\.0\.0\.0$/i;
const LOOPBACK_HOST = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])$/i;

/**
 * Where the API is: `override` (the user's `baseUrl`) wins; then the spec's first server, with
 * its variables' defaults filled in and a relative URL resolved against the spec's (or the
 * manifest's) URL; then the origin the plugin was loaded from. A server on a placeholder host
 * (`example.com`, `localhost`, `your-domain`) that is not where the plugin was loaded from is
 * replaced by that origin with a warning. Returns `undefined`, with an error problem, when
 * nothing gives a base URL. The result never ends with `/`.
 */
export function resolveBaseUrl(options: {
  override: string | undefined;
  servers: unknown;
  specLocation: DocumentLocation;
  manifestLocation: DocumentLocation | undefined;
  problems: ProblemLog;
}): string | undefined {
  const { override, specLocation, manifestLocation, problems } = options;
  if (override !== undefined) return trimSlash(new URL(override).href);
  const loadedFrom = manifestLocation?.url ?? specLocation.url;
  let server = firstServer(options.servers);
  if (server !== undefined && /^[A-Za-z_][\w-]*$/.test(server) && !server.includes('.')) {
    problems.warn(`The spec's server ${JSON.stringify(server)} is a placeholder, not a URL; it was ignored.`, 'servers');
    server = undefined;
  }
  if (server !== undefined) {
    const base = specLocation.url ?? manifestLocation?.url;
    let url: URL | undefined;
    try {
      url = new URL(server, base);
    } catch {
      problems.warn(`The spec's server ${JSON.stringify(server)} is ${base ? 'not a valid URL' : 'relative, and the spec was not loaded from a URL'}.`, 'servers');
    }
    if (url && url.protocol !== 'http:' && url.protocol !== 'https:') {
      problems.warn(`The spec's server ${url.href} is not an http or https URL.`, 'servers');
      url = undefined;
    }
    if (url && loadedFrom && url.origin !== loadedFrom.origin && isPlaceholderUrl(url, loadedFrom)) {
      const replaced = new URL(`${url.pathname}${url.search}`, loadedFrom.origin);
      problems.warn(
        `The spec's server ${url.href} looks like a placeholder; calls go to ${trimSlash(replaced.href)} instead, on the origin the plugin was loaded from. Set baseUrl to choose another.`,
        'servers',
      );
      return trimSlash(replaced.href);
    }
    if (url && !loadedFrom && PLACEHOLDER_HOST.test(url.hostname)) {
      problems.warn(`The spec's server ${url.href} looks like a placeholder; set baseUrl if calls fail.`, 'servers');
    }
    if (url) return trimSlash(url.href);
  }
  if (loadedFrom) {
    if (server === undefined) problems.warn(`The spec lists no usable server; calls go to ${loadedFrom.origin}, where the plugin was loaded from.`, 'servers');
    return loadedFrom.origin;
  }
  problems.error('No base URL for the API: the spec lists no usable server and the plugin was not loaded from a URL. Set baseUrl in the plugin\'s configuration.', 'servers');
  return undefined;
}

/**
 * Example hosts are placeholders wherever the plugin came from; a loopback server only when the
 * plugin was loaded from elsewhere (a plugin served from this machine may well call this machine).
 */
export function isPlaceholderUrl(url: URL, loadedFrom: URL): boolean {
  if (LOOPBACK_HOST.test(url.hostname)) return !LOOPBACK_HOST.test(loadedFrom.hostname);
  return PLACEHOLDER_HOST.test(url.hostname);
}

function firstServer(servers: unknown): string | undefined {
  if (!Array.isArray(servers)) return undefined;
  const server = servers.find((entry) => isRecord(entry) && typeof entry.url === 'string' && entry.url.trim() !== '') as Record<string, unknown> | undefined;
  if (!server) return undefined;
  const variables = isRecord(server.variables) ? server.variables : {};
  return (server.url as string).trim().replace(/\{([^}]+)\}/g, (whole, name: string) => {
    const variable = variables[name];
    return isRecord(variable) && variable.default !== undefined ? String(variable.default) : whole;
  });
}

function trimSlash(href: string): string {
  return href.replace(/\/+$/, '');
}
