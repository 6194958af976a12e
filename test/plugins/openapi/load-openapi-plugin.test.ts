import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../../src/agent/errors.ts';
import type { WebPolicy } from '../../../src/net/web-policy.ts';
import { loadOpenApiPlugin, type LoadOpenApiPluginOptions } from '../../../src/plugins/openapi/load-openapi-plugin.ts';
import type { LoadedPlugin } from '../../../src/plugins/plugin.ts';
import { ToolRouter } from '../../../src/tools/router.ts';
import { refuseLookup, useLoopbackTripwire } from '../../net/net-harness.ts';
import { startPluginServer, type PluginTestServer } from './plugin-test-server.ts';

useLoopbackTripwire();

const FIXTURES = fileURLToPath(new URL('../../fixtures/plugins/', import.meta.url));
const RECURSIVE_NOTE = 'Recursive: the same structure as an enclosing object (not expanded further).';

let api: PluginTestServer;
let other: PluginTestServer;
let policy: WebPolicy;

beforeAll(async () => {
  api = await startPluginServer();
  other = await startPluginServer();
  api.otherOrigin = other.origin;
  policy = { allow: [{ host: '127.0.0.1', port: api.port }, { host: '127.0.0.1', port: other.port }], lookup: refuseLookup };
});

afterAll(async () => {
  await api.close();
  await other.close();
});

function load(options: Partial<LoadOpenApiPluginOptions> & { source: string }): Promise<LoadedPlugin> {
  return loadOpenApiPlugin({ env: {}, policy, ...options });
}

async function call(plugin: LoadedPlugin, name: string, args: unknown) {
  const router = new ToolRouter({ tools: plugin.tools });
  return router.call({ request: { id: 'c1', name, argsText: JSON.stringify(args) }, runId: 'r', signal: new AbortController().signal });
}

function definition(plugin: LoadedPlugin, name: string) {
  const found = new ToolRouter({ tools: plugin.tools }).definitions().find((entry) => entry.function.name === name);
  if (!found) throw new Error(`no tool ${name}`);
  return found.function;
}

function lastRequest(server: PluginTestServer) {
  const request = server.requests.at(-1)!;
  return { method: request.method, url: request.url, body: request.body, authorization: request.headers.authorization };
}

const manifest = (fields: Record<string, unknown>) => ({
  schema_version: 'v1',
  name_for_model: 'notes',
  name_for_human: 'Notes',
  description_for_model: 'Keeps notes.',
  description_for_human: 'Notes.',
  auth: { type: 'none' },
  api: { type: 'openapi', url: '{{ORIGIN}}/notes/openapi.json' },
  ...fields,
});

const notesSpec = (server: string) => ({
  openapi: '3.0.3',
  info: { title: 'Notes', version: '1' },
  servers: [{ url: server }],
  paths: {
    '/notes': { get: { operationId: 'listNotes', summary: 'List notes', responses: { 200: { description: 'ok' } } } },
  },
});

describe('a manifest at /.well-known/ai-plugin.json with a messy YAML spec (the TODO plugin)', () => {
  let plugin: LoadedPlugin;
  beforeAll(async () => {
    api.routes['/.well-known/ai-plugin.json'] = { fixture: 'todo/ai-plugin.json' };
    api.routes['/openapi.yaml'] = { fixture: 'todo/openapi.yaml' };
    plugin = await load({ source: api.origin });
  });

  it('names tools from method and path, and reports every liberty it took', () => {
    expect(plugin.name).toBe('todo');
    expect(plugin.kind).toBe('openapi');
    expect(plugin.tools.map((tool) => tool.name)).toEqual(['get_todos_username', 'post_todos_username', 'delete_todos_username']);
    expect(plugin.problems).toEqual([
      { severity: 'warning', source: api.origin, where: 'manifest', message: 'The manifest has keys the plugin format does not define, which were ignored: x_openai_extra, categories.' },
      {
        severity: 'warning', source: api.origin, where: 'manifest',
        message: `The manifest's api.url https://your-app-url.example.com/openapi.yaml looks like a placeholder; the spec is read from ${api.origin}/openapi.yaml instead.`,
      },
      { severity: 'warning', source: api.origin, where: 'servers', message: 'The spec\'s server "PLUGIN_HOSTNAME" is a placeholder, not a URL; it was ignored.' },
      { severity: 'warning', source: api.origin, where: 'servers', message: `The spec lists no usable server; calls go to ${api.origin}, where the plugin was loaded from.` },
      {
        severity: 'warning', source: api.origin, where: 'paths',
        message: '3 operations have no operationId; their tools are named from method and path: get_todos_username, post_todos_username, delete_todos_username.',
      },
    ]);
  });

  it('flattens the JSON body beside the path parameter, keeping descriptions and required flags', () => {
    expect(definition(plugin, 'post_todos_username')).toEqual({
      name: 'post_todos_username',
      description: 'Add a todo to the list.\n\nPlugin "todo", as its author describes it: Plugin for managing a TODO list, you can add, remove and view your TODOs.',
      parameters: {
        type: 'object',
        properties: {
          username: { type: 'string', description: 'The name of the user.' },
          todo: { type: 'string', description: 'The todo to add to the list.' },
        },
        required: ['username', 'todo'],
      },
    });
  });

  it('sends the call to the manifest origin with the right method, path and body', async () => {
    const record = await call(plugin, 'post_todos_username', { username: 'global user', todo: 'buy milk' });
    expect(record.error).toBeUndefined();
    expect(lastRequest(api)).toEqual({ method: 'POST', url: '/todos/global%20user', body: '{"todo":"buy milk"}', authorization: undefined });
    expect(api.requests.at(-1)!.headers['content-type']).toBe('application/json');
    expect(api.requests.at(-1)!.headers.accept).toBe('application/json, text/*;q=0.9, */*;q=0.1');
    expect(JSON.parse(record.output!)).toEqual({ method: 'POST', url: '/todos/global%20user', authorization: null, body: '{"todo":"buy milk"}' });
  });
});

describe('a JSON OpenAPI 3.0 spec with $ref chains, loaded directly', () => {
  let plugin: LoadedPlugin;
  let source: string;
  beforeAll(async () => {
    api.routes['/pets/openapi.json'] = { fixture: 'pets/openapi.json' };
    source = `${api.origin}/pets/openapi.json`;
    plugin = await load({ source });
  });

  it('makes one tool per operation, sanitising names and skipping what it cannot send', () => {
    expect(plugin.name).toBe('Pet_Store');
    expect(plugin.tools.map((tool) => tool.name)).toEqual(['listPets', 'create_pet', 'getPet', 'replacePet', 'plantTree']);
    expect(plugin.problems).toEqual([
      { severity: 'warning', source, where: 'GET /pets', message: 'The cookie parameter "session" is not supported and was left out.' },
      { severity: 'warning', source, where: 'POST /trees', message: 'A recursive schema was cut where it repeats itself.' },
      { severity: 'warning', source, where: 'POST /photos', message: 'Skipped: its request body (multipart/form-data) is not JSON, form or text.' },
    ]);
  });

  it('resolves parameter and schema ref chains, keeping descriptions, enums, defaults and formats', () => {
    expect(definition(plugin, 'listPets')).toEqual({
      name: 'listPets',
      description: 'List pets. Lists the pets in the store, newest first.',
      parameters: {
        type: 'object',
        properties: {
          limit: { type: 'integer', minimum: 1, maximum: 100, default: 20, description: 'How many pets to return.' },
          status: { type: 'array', items: { type: 'string', enum: ['available', 'pending', 'sold'], default: 'available' }, description: 'Only pets with one of these statuses.' },
          'X-Request-Id': { type: 'string', format: 'uuid', examples: ['6b1c6a3e-0b0e-4c7f-9d36-0d7c5f1f0f4e'], description: 'A tracing id echoed in the logs.' },
        },
        required: ['X-Request-Id'],
      },
    });
  });

  it('maps OpenAPI-only keywords away: readOnly, nullable, discriminator, xml and x- extensions', () => {
    expect(definition(plugin, 'create_pet').parameters).toEqual({
      type: 'object',
      properties: {
        name: { type: 'string', description: "The pet's name.", maxLength: 60 },
        kind: { type: 'string', enum: ['cat', 'dog'], description: 'What the pet is.' },
        tag: { type: ['string', 'null'] },
        status: { type: 'string', enum: ['available', 'pending', 'sold'], default: 'available' },
      },
      required: ['name', 'kind'],
    });
  });

  it('nests a body whose field collides with a parameter under "body", and notes deprecation', () => {
    expect(definition(plugin, 'replacePet')).toEqual({
      name: 'replacePet',
      description: 'Replace a pet. (The API marks this operation as deprecated.)',
      parameters: {
        type: 'object',
        properties: {
          petId: { type: 'integer', format: 'int64', minimum: 1, description: "The pet's id." },
          dryRun: { type: 'boolean', default: false },
          body: { type: 'object', properties: { petId: { type: 'string' }, name: { type: 'string' } } },
        },
        required: ['petId'],
      },
    });
  });

  it('cuts a circular schema at its first repetition', () => {
    expect(definition(plugin, 'plantTree').parameters).toEqual({
      type: 'object',
      properties: {
        label: { type: 'string' },
        children: { type: 'array', items: { description: RECURSIVE_NOTE } },
      },
    });
  });

  it('sends query arrays as repeated keys and header parameters as headers, to the server with its variables filled in', async () => {
    const record = await call(plugin, 'listPets', { limit: 5, status: ['available', 'sold'], 'X-Request-Id': '6b1c6a3e-0b0e-4c7f-9d36-0d7c5f1f0f4e' });
    expect(record.error).toBeUndefined();
    expect(lastRequest(api)).toEqual({ method: 'GET', url: '/api/v1/pets?limit=5&status=available&status=sold', body: '', authorization: undefined });
    expect(api.requests.at(-1)!.headers['x-request-id']).toBe('6b1c6a3e-0b0e-4c7f-9d36-0d7c5f1f0f4e');
  });

  it('sends a nested body and query parameters together', async () => {
    await call(plugin, 'replacePet', { petId: 3, dryRun: true, body: { petId: 'p3', name: 'Rex' } });
    expect(lastRequest(api)).toEqual({ method: 'PUT', url: '/api/v1/pets/3?dryRun=true', body: '{"petId":"p3","name":"Rex"}', authorization: undefined });
  });

  it('validates calls against the schema before anything is sent', async () => {
    const before = api.requests.length;
    const record = await call(plugin, 'create_pet', { name: 'Rex', kind: 'horse' });
    expect(record.error).toContain('kind');
    expect(api.requests.length).toBe(before);
  });

  it('returns an HTTP error as a tool error with the status, method, URL and body excerpt', async () => {
    api.routes['/api/v1/pets/7'] = { json: { error: 'no pet 7', detail: 'x'.repeat(1000) }, status: 404 };
    const record = await call(plugin, 'getPet', { petId: 7 });
    const body = JSON.stringify({ error: 'no pet 7', detail: 'x'.repeat(1000) }).slice(0, 500);
    expect(record.error).toContain(`HTTP 404 Not Found from GET ${api.origin}/api/v1/pets/7: ${body}`);
    expect(record.error).not.toContain('x'.repeat(600));
  });

  it('cuts a long response at maxResponseBytes with a note', async () => {
    const small = await load({ source, maxResponseBytes: 1000 });
    api.routes['/api/v1/pets/8'] = { text: 'y'.repeat(5000) };
    const record = await call(small, 'getPet', { petId: 8 });
    expect(record.output).toBe(`${'y'.repeat(1000)}\n[Response cut at 1000 bytes: ask for less, e.g. with paging or filter parameters.]`);
  });
});

describe('a Swagger 2.0 spec', () => {
  let plugin: LoadedPlugin;
  beforeAll(async () => {
    api.routes['/swagger.json'] = { fixture: 'petstore-swagger2/swagger.json' };
    plugin = await load({ source: `${api.origin}/swagger.json` });
  });

  it('is converted to OpenAPI 3, with host, basePath and schemes as the server', async () => {
    expect(plugin.problems).toEqual([]);
    expect(plugin.tools.map((tool) => tool.name)).toEqual(['getPetById', 'updatePetWithForm', 'findPetsByStatus', 'addPet']);
    expect(definition(plugin, 'addPet').parameters).toEqual({
      type: 'object',
      properties: {
        id: { type: 'integer', format: 'int64' },
        category: { type: 'object', properties: { id: { type: 'integer', format: 'int64' }, name: { type: 'string' } } },
        name: { type: 'string', examples: ['doggie'] },
        photoUrls: { type: 'array', items: { type: 'string' } },
        status: { type: 'string', description: 'pet status in the store', enum: ['available', 'pending', 'sold'] },
      },
      required: ['name', 'photoUrls'],
    });
    await call(plugin, 'findPetsByStatus', { status: ['available', 'sold'] });
    expect(lastRequest(api)).toEqual({ method: 'GET', url: '/v2/pet/findByStatus?status=available&status=sold', body: '', authorization: undefined });
  });

  it('sends formData parameters as a form body', async () => {
    await call(plugin, 'updatePetWithForm', { petId: 4, name: 'Rex', status: 'sold' });
    expect(lastRequest(api)).toEqual({ method: 'POST', url: '/v2/pet/4', body: 'name=Rex&status=sold', authorization: undefined });
    expect(api.requests.at(-1)!.headers['content-type']).toBe('application/x-www-form-urlencoded');
  });
});

describe('auth', () => {
  const serve = (path: string, auth: unknown, server = '{{ORIGIN}}') => {
    api.routes[`/${path}/.well-known/ai-plugin.json`] = { json: manifest({ auth, api: { type: 'openapi', url: `/${path}/openapi.json` } }) };
    api.routes[`/${path}/openapi.json`] = { json: notesSpec(`${server}/${path}`) };
    return `${api.origin}/${path}/.well-known/ai-plugin.json`;
  };

  it('sends no Authorization header for auth "none"', async () => {
    const plugin = await load({ source: serve('none', { type: 'none' }) });
    await call(plugin, 'listNotes', {});
    expect(lastRequest(api)).toEqual({ method: 'GET', url: '/none/notes', body: '', authorization: undefined });
  });

  it('sends a service_http bearer token from the environment, and never shows it', async () => {
    api.routes['/bearer/notes'] = { text: 'token echoed: s3cret-token-value' };
    const plugin = await load({ source: serve('bearer', { type: 'service_http', authorization_type: 'bearer', verification_tokens: { openai: 'abc' } }), auth: { tokenEnv: 'NOTES_TOKEN' }, env: { NOTES_TOKEN: 's3cret-token-value' } });
    expect(plugin.problems).toEqual([]);
    const record = await call(plugin, 'listNotes', {});
    expect(lastRequest(api).authorization).toBe('Bearer s3cret-token-value');
    expect(record.output).toBe('token echoed: [redacted]');
    expect(JSON.stringify(new ToolRouter({ tools: plugin.tools }).definitions())).not.toContain('s3cret');
  });

  it('sends user_http basic credentials built from a username and password', async () => {
    const plugin = await load({ source: serve('basic', { type: 'user_http', authorization_type: 'basic' }), auth: { username: 'ann', passwordEnv: 'NOTES_PASSWORD' }, env: { NOTES_PASSWORD: 'pw' } });
    await call(plugin, 'listNotes', {});
    expect(lastRequest(api).authorization).toBe(`Basic ${Buffer.from('ann:pw').toString('base64')}`);
  });

  it('sends an oauth token from the configuration as a bearer token', async () => {
    const oauth = { type: 'oauth', client_url: 'https://example.com/authorize', authorization_url: 'https://example.com/token', scope: 'notes' };
    const plugin = await load({ source: serve('oauth', oauth), auth: { token: 'oauth-access-token' } });
    await call(plugin, 'listNotes', {});
    expect(lastRequest(api).authorization).toBe('Bearer oauth-access-token');
  });

  it('reports a missing token at load, and calls fail saying what to set, without sending anything', async () => {
    const source = serve('missing', { type: 'user_http', authorization_type: 'bearer' });
    const plugin = await load({ source, auth: { tokenEnv: 'NOTES_TOKEN' } });
    const message = 'Plugin "notes" needs a bearer token (its manifest says auth "user_http"): the environment variable NOTES_TOKEN (named by auth.tokenEnv) is not set.';
    expect(plugin.problems).toEqual([{ severity: 'error', source, where: 'auth', message }]);
    expect(plugin.tools.map((tool) => tool.name)).toEqual(['listNotes']);
    const before = api.requests.length;
    expect((await call(plugin, 'listNotes', {})).error).toContain(message);
    expect(api.requests.length).toBe(before);
  });

  it('does not send the token to a server on another origin than the manifest, and says so', async () => {
    const source = serve('elsewhere', { type: 'service_http', authorization_type: 'bearer' }, '{{OTHER_ORIGIN}}');
    const plugin = await load({ source, auth: { token: 'never-leaves' } });
    expect(plugin.problems).toEqual([
      {
        severity: 'error', source, where: 'auth',
        message: `The API's base URL ${other.origin}/elsewhere is not on the origin the manifest came from (${api.origin}), so the plugin's credential is not sent there. If you trust it, set baseUrl to ${other.origin}/elsewhere in the plugin's configuration.`,
      },
    ]);
    await call(plugin, 'listNotes', {});
    expect(lastRequest(other)).toEqual({ method: 'GET', url: '/elsewhere/notes', body: '', authorization: undefined });
    const trusted = await load({ source, auth: { token: 'trusted-token' }, baseUrl: `${other.origin}/elsewhere` });
    await call(trusted, 'listNotes', {});
    expect(lastRequest(other).authorization).toBe('Bearer trusted-token');
  });
});

describe('messy and broken plugins', () => {
  it('loads a folder whose manifest points to a spec file; without servers it needs baseUrl', async () => {
    const folder = `${FIXTURES}local-folder`;
    const without = await load({ source: folder, auth: { tokenEnv: 'WEATHER_TOKEN' }, env: { WEATHER_TOKEN: 'wx-token' } });
    expect(without.tools).toEqual([]);
    expect(without.problems).toEqual([
      {
        severity: 'error', source: folder, where: 'servers',
        message: 'No base URL for the API: the spec lists no usable server and the plugin was not loaded from a URL. Set baseUrl in the plugin\'s configuration.',
      },
    ]);
    const plugin = await load({ source: folder, baseUrl: `${api.origin}/wx/`, auth: { tokenEnv: 'WEATHER_TOKEN' }, env: { WEATHER_TOKEN: 'wx-token' } });
    expect(plugin.name).toBe('weather');
    expect(definition(plugin, 'currentWeather').parameters).toEqual({
      type: 'object',
      properties: {
        city: { type: 'string', examples: ['Paris'] },
        units: { type: ['string', 'null'], enum: ['metric', 'imperial', null], default: 'metric' },
      },
      required: ['city'],
    });
    await call(plugin, 'currentWeather', { city: 'Paris' });
    expect(lastRequest(api)).toEqual({ method: 'GET', url: '/wx/weather?city=Paris', body: '', authorization: 'Bearer wx-token' });
  });

  it('turns a refused private address into a tool error that says how to allow it', async () => {
    const plugin = await load({ source: `${FIXTURES}local-folder/specs/weather.yaml`, baseUrl: 'http://127.0.0.1:9/' });
    const record = await call(plugin, 'currentWeather', { city: 'Paris' });
    expect(record.error).toContain('Could not call GET http://127.0.0.1:9/weather?city=Paris: Refused');
    expect(record.error).toContain('set GANTRY_WEB_ALLOW=127.0.0.1:9 to allow it');
  });

  it('cuts an over-long description_for_model and warns', async () => {
    api.routes['/long/.well-known/ai-plugin.json'] = { json: manifest({ description_for_model: `Use this. ${'z'.repeat(5000)}`, api: { url: '/long/openapi.json' } }) };
    api.routes['/long/openapi.json'] = { json: notesSpec('{{ORIGIN}}/long') };
    const plugin = await load({ source: `${api.origin}/long/.well-known/ai-plugin.json` });
    expect(plugin.problems.map((problem) => problem.message)).toEqual(['The manifest\'s description_for_model is 5010 characters; tool descriptions carry its first 300.']);
    const description = definition(plugin, 'listNotes').description;
    expect(description).toBe(`List notes.\n\nPlugin "notes", as its author describes it: Use this. ${'z'.repeat(289)}…`);
  });

  it('reports a spec that is not YAML, a spec that is missing, and a dangling $ref, without throwing or blocking others', async () => {
    api.routes['/bad/openapi.yaml'] = { text: 'openapi: 3.0.0\npaths: [unclosed', type: 'application/yaml' };
    api.routes['/gone/.well-known/ai-plugin.json'] = { json: manifest({ api: { url: '/gone/openapi.json' } }) };
    api.routes['/gone/openapi.json'] = { text: 'not here', status: 404 };
    api.routes['/dangling/openapi.json'] = {
      json: { openapi: '3.0.0', info: { title: 'D', version: '1' }, servers: [{ url: '{{ORIGIN}}' }], paths: { '/x': { post: { operationId: 'postX', requestBody: { content: { 'application/json': { schema: { $ref: '#/components/schemas/Nope' } } } }, responses: {} } } } },
    };
    const [bad, gone, dangling, good] = await Promise.all([
      load({ source: `${api.origin}/bad/openapi.yaml` }),
      load({ source: `${api.origin}/gone/.well-known/ai-plugin.json` }),
      load({ source: `${api.origin}/dangling/openapi.json` }),
      load({ source: `${api.origin}/pets/openapi.json` }),
    ]);
    expect(bad.tools).toEqual([]);
    expect(bad.problems).toHaveLength(1);
    expect(bad.problems[0]!.severity).toBe('error');
    expect(bad.problems[0]!.message).toMatch(new RegExp(`^${api.origin}/bad/openapi.yaml is neither valid JSON nor valid YAML: `));
    expect(gone.problems).toEqual([
      { severity: 'error', source: `${api.origin}/gone/.well-known/ai-plugin.json`, message: `The manifest's spec could not be read: HTTP 404 Not Found from ${api.origin}/gone/openapi.json: not here` },
    ]);
    expect(dangling.problems.map((problem) => problem.message)).toEqual(['The $ref "#/components/schemas/Nope" points to nothing in the spec; schemas using it accept any value.']);
    expect(definition(dangling, 'postX').parameters).toEqual({ type: 'object', properties: { body: {} } });
    expect(good.tools).toHaveLength(5);
  });

  it('reports a source that is neither a manifest nor a spec, and a missing file', async () => {
    api.routes['/neither.json'] = { json: { hello: 'world' } };
    const neither = await load({ source: `${api.origin}/neither.json` });
    expect(neither.problems.map((problem) => problem.message)).toEqual([
      `${api.origin}/neither.json is neither a plugin manifest (no schema_version, api or name_for_model) nor an OpenAPI spec (no openapi or swagger).`,
    ]);
    const missing = await load({ source: 'no-such-plugin.yaml', cwd: FIXTURES });
    expect(missing.name).toBe('no-such-plugin');
    expect(missing.problems[0]!.message).toMatch(/^Could not read .*no-such-plugin\.yaml: ENOENT/);
  });

  it('throws UserError only for options that are themselves wrong', async () => {
    await expect(load({ source: '' })).rejects.toThrow(UserError);
    await expect(load({ source: api.origin, baseUrl: 'ftp://x' })).rejects.toThrow('The plugin option "baseUrl" must be an absolute http or https URL, not "ftp://x".');
    await expect(load({ source: api.origin, auth: { type: 'digest' as never } })).rejects.toThrow('The plugin option "auth.type" must be "bearer" or "basic", not "digest".');
  });
});
