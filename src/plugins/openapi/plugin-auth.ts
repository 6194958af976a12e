import { UserError } from '../../agent/errors.ts';

/**
 * The credential a user configures for a plugin. Secrets are given directly (`token`,
 * `password`) or by naming the environment variable that holds them (`tokenEnv`,
 * `passwordEnv`), so configuration files can stay free of secrets.
 */
export interface PluginAuthConfig {
  /** `bearer` sends `Authorization: Bearer <token>`; `basic` sends `Authorization: Basic …`. Defaults to the manifest's `authorization_type`, else `basic` when `username` is set, else `bearer`. */
  type?: 'bearer' | 'basic';
  /** The bearer token, or for `basic` the already-encoded credential (base64 of `user:password`). */
  token?: string;
  /** The environment variable holding `token`; `token` wins when both are set. */
  tokenEnv?: string;
  /** For `basic`: the user name, sent with `password` as `base64(username:password)`. */
  username?: string;
  password?: string;
  /** The environment variable holding `password`. */
  passwordEnv?: string;
}

/** The `auth` object of an `ai-plugin.json`, as far as Gantry uses it. */
export interface ManifestAuth {
  type: string;
  authorization_type?: string;
}

/** What the plugin's calls send to authenticate, decided once at load. */
export interface ResolvedAuth {
  /** The `Authorization` header value; absent when nothing is sent. */
  authorization?: string;
  /** Why calls that need a credential cannot have one: shown to the model and as a load problem. */
  missing?: string;
  /** Every secret value in play, so they can be cut from anything shown. */
  secrets: string[];
}

const AUTH_TYPES = new Set(['none', 'service_http', 'user_http', 'oauth']);

/** Throws a `UserError` for an `auth` option of the wrong shape (a caller mistake, not the plugin's). */
export function assertAuthConfig(auth: unknown): asserts auth is PluginAuthConfig | undefined {
  if (auth === undefined) return;
  if (typeof auth !== 'object' || auth === null || Array.isArray(auth)) {
    throw new UserError('The plugin option "auth" must be an object such as { type: "bearer", tokenEnv: "MY_TOKEN" }.');
  }
  const config = auth as Record<string, unknown>;
  if (config.type !== undefined && config.type !== 'bearer' && config.type !== 'basic') {
    throw new UserError(`The plugin option "auth.type" must be "bearer" or "basic", not ${JSON.stringify(config.type)}.`);
  }
  for (const key of ['token', 'tokenEnv', 'username', 'password', 'passwordEnv']) {
    if (config[key] !== undefined && typeof config[key] !== 'string') {
      throw new UserError(`The plugin option "auth.${key}" must be a string.`);
    }
  }
}

/**
 * Decides the credential from the manifest's `auth` and the user's configuration. A configured
 * credential is used whatever the manifest says (the user asked for it); a manifest that needs
 * one the user did not configure gives `missing`, never an exception.
 */
export function resolvePluginAuth(options: {
  pluginName: string;
  manifestAuth: ManifestAuth | undefined;
  config: PluginAuthConfig | undefined;
  env: Readonly<Record<string, string | undefined>>;
  warn(message: string): void;
}): ResolvedAuth {
  const { pluginName, manifestAuth, config = {}, env, warn } = options;
  const manifestType = manifestAuth?.type;
  const configured = config.token !== undefined || config.tokenEnv !== undefined || config.username !== undefined;
  if (manifestType !== undefined && !AUTH_TYPES.has(manifestType)) {
    warn(`The manifest's auth type ${JSON.stringify(manifestType)} is not one of none, service_http, user_http or oauth; ${configured ? 'the configured credential is used' : 'calls are sent without credentials'}.`);
  }
  const needed = manifestType === 'service_http' || manifestType === 'user_http' || manifestType === 'oauth';
  if (!needed && !configured) return { secrets: [] };

  const scheme = config.type ?? manifestScheme(manifestAuth) ?? (config.username !== undefined ? 'basic' : 'bearer');
  const why = manifestType && needed ? ` (its manifest says auth "${manifestType}")` : '';
  if (scheme === 'basic' && config.username !== undefined) {
    const password = config.password ?? (config.passwordEnv ? env[config.passwordEnv] : undefined);
    if (!password) {
      return { secrets: [], missing: `Plugin "${pluginName}" needs a password for basic authentication${why}: ${whereToSet('password', config.passwordEnv)}` };
    }
    const encoded = Buffer.from(`${config.username}:${password}`).toString('base64');
    return { authorization: `Basic ${encoded}`, secrets: [password, encoded] };
  }
  const token = config.token ?? (config.tokenEnv ? env[config.tokenEnv] : undefined);
  if (!token) {
    const what = scheme === 'basic' ? 'a basic credential (or a username and password)' : 'a bearer token';
    return { secrets: [], missing: `Plugin "${pluginName}" needs ${what}${why}: ${whereToSet('token', config.tokenEnv)}` };
  }
  return { authorization: `${scheme === 'basic' ? 'Basic' : 'Bearer'} ${token}`, secrets: [token] };
}

function manifestScheme(auth: ManifestAuth | undefined): 'bearer' | 'basic' | undefined {
  if (auth?.type === 'oauth') return 'bearer';
  const declared = auth?.authorization_type?.toLowerCase();
  return declared === 'basic' || declared === 'bearer' ? declared : undefined;
}

function whereToSet(field: 'token' | 'password', envName: string | undefined): string {
  if (envName) return `the environment variable ${envName} (named by auth.${field}Env) is not set.`;
  return `set auth.${field} in the plugin's configuration, or auth.${field}Env to the name of an environment variable that holds it.`;
}

/** Replaces every secret in `text` with `[redacted]`, so no credential reaches the model or a log. */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let result = text;
  for (const secret of secrets) if (secret.length >= 4) result = result.split(secret).join('[redacted]');
  return result;
}
