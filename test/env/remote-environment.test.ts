import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { realpathSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EnvironmentError, UserError } from '../../src/agent/errors.ts';
import type { Environment, ResetResult, StepResult } from '../../src/env/environment.ts';
import { playEpisode, type Policy } from '../../src/env/policy.ts';
import { openEnvironment, parseEnvironmentSpec, RemoteEnvironment } from '../../src/env/remote-environment.ts';

const SERVER = fileURLToPath(new URL('../../examples/env-server/server.py', import.meta.url));

/** The winning actions for seed 1: the chest is in the hall, the key on the study's shelf. */
const SEED_1_SOLUTION = [
  'go to study',
  'search shelf',
  'take key',
  'go to hall',
  'unlock chest with key',
  'open chest',
];

const SEED_1_START: ResetResult = {
  observation: 'You are in the hall. You see a rug and a chest. A doorway leads to the study.',
  goal: 'open the chest.',
  admissibleActions: ['look', 'inventory', 'go to study', 'look under rug', 'open chest'],
  info: { taskId: 'open-chest/1', taskType: 'open-chest', won: false, steps: 0 },
};

/** A policy that plays the given actions in order, and remembers every result it saw. */
function scriptedPolicy(actions: string[]): Policy & { seen: (ResetResult | StepResult)[] } {
  const queue = [...actions];
  const seen: (ResetResult | StepResult)[] = [];
  return {
    name: 'scripted',
    seen,
    begin: () => {},
    next: (last) => {
      seen.push(last);
      return queue.shift();
    },
  };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function rejectionOf(promise: Promise<unknown>): Promise<EnvironmentError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(EnvironmentError);
  return error as EnvironmentError;
}

const opened: Environment[] = [];

async function track<T extends Environment>(environment: Promise<T>): Promise<T> {
  const env = await environment;
  opened.push(env);
  return env;
}

afterEach(async () => {
  await Promise.all(opened.splice(0).map((env) => env.close()));
});

beforeAll(() => {
  const probe = spawnSync('python3', ['--version'], { encoding: 'utf8' });
  if (probe.error !== undefined || probe.status !== 0) {
    throw new Error(
      `These tests run the reference server in examples/env-server/ with python3, which could not be run ` +
        `(${probe.error?.message ?? `exit code ${probe.status}: ${probe.stderr}`}). Install Python 3 and put python3 on PATH.`,
    );
  }
});

describe('RemoteEnvironment over stdio, against the Python reference server', () => {
  const spawnToy = () => track(RemoteEnvironment.spawn({ command: 'python3', args: [SERVER] }));

  it('takes the name and task types the server gives in initialize', async () => {
    const env = await spawnToy();
    expect(env.name).toBe('toy-chest');
    expect(env.taskTypes).toEqual(['open-chest']);
    const named = await track(RemoteEnvironment.spawn({ command: 'python3', args: [SERVER], name: 'chest' }));
    expect(named.name).toBe('chest');
  });

  it('resets to the documented start for a seed, and plays to a win', async () => {
    const env = await spawnToy();
    expect(await env.reset({ seed: 1 })).toEqual(SEED_1_START);

    const policy = scriptedPolicy(SEED_1_SOLUTION);
    const trajectory = await playEpisode({ environment: env, policy, reset: { seed: 1 } });
    expect(trajectory.success).toBe(true);
    expect(trajectory.taskId).toBe('open-chest/1');
    expect(trajectory.taskType).toBe('open-chest');
    expect(trajectory.steps.map((step) => step.action)).toEqual(SEED_1_SOLUTION);
    expect(trajectory.steps.at(-1)?.observation).toBe('You open the chest. Inside is a pile of gold coins. You win!');
    // The key becomes takeable once found, and unlocking once it is held in the chest's room.
    expect(policy.seen[2]?.admissibleActions).toEqual(['look', 'inventory', 'go to hall', 'open desk', 'search shelf', 'take key']);
    expect(policy.seen[4]?.admissibleActions).toEqual([
      'look',
      'inventory',
      'go to study',
      'look under rug',
      'unlock chest with key',
      'open chest',
    ]);
  });

  it('reports the winning step, and refuses steps after the episode ended', async () => {
    const env = await spawnToy();
    await env.reset({ taskId: 'open-chest/1' });
    for (const action of SEED_1_SOLUTION.slice(0, -1)) await env.step(action);
    expect(await env.step('open chest')).toEqual({
      observation: 'You open the chest. Inside is a pile of gold coins. You win!',
      reward: 1,
      terminated: true,
      truncated: false,
      admissibleActions: [],
      info: { taskId: 'open-chest/1', taskType: 'open-chest', won: true, steps: 6, valid: true },
    });
    const error = await rejectionOf(env.step('look'));
    expect(error.message).toContain('The episode has ended: call reset to start a new one.');
    expect(error.context.code).toBe(-32000);
  });

  it('marks an action that does not apply as invalid', async () => {
    const env = await spawnToy();
    await env.reset({ seed: 1 });
    const result = await env.step('dance');
    expect(result.observation).toBe('Nothing happens.');
    expect(result.info.valid).toBe(false);
    expect(result.reward).toBe(0);
    expect(result.admissibleActions).toEqual(SEED_1_START.admissibleActions);
  });

  it('is deterministic given a seed, and a task id pins the seed', async () => {
    const first = await spawnToy();
    const second = await spawnToy();
    const a = await first.reset({ seed: 5 });
    const b = await second.reset({ seed: 5 });
    expect(b).toEqual(a);
    expect(await second.reset({ taskId: 'open-chest/5' })).toEqual(a);
    for (const action of ['go to study', 'search shelf', 'open desk']) {
      expect(await second.step(action)).toEqual(await first.step(action));
    }
  });

  it("turns the server's JSON-RPC errors into EnvironmentErrors with code and message", async () => {
    const env = await spawnToy();
    const early = await rejectionOf(env.step('look'));
    expect(early.message).toBe(
      'The environment refused "step": No episode is running: call reset first. (JSON-RPC error -32000).',
    );
    expect(early.context).toMatchObject({ method: 'step', code: -32000, serverMessage: 'No episode is running: call reset first.' });

    const badSeed = await rejectionOf(env.reset({ seed: 1.5 }));
    expect(badSeed.context).toMatchObject({ code: -32602, serverMessage: 'seed must be an integer' });
    const badTask = await rejectionOf(env.reset({ taskId: 'heat/3' }));
    expect(badTask.context.code).toBe(-32602);
    expect(badTask.message).toContain('unknown taskId "heat/3"');
  });

  it('closes the server process, and is safe to close twice', async () => {
    const env = await spawnToy();
    const pid = env.pid;
    expect(typeof pid).toBe('number');
    expect(isAlive(pid as number)).toBe(true);
    await env.close();
    expect(isAlive(pid as number)).toBe(false);
    await env.close();
    const error = await rejectionOf(env.reset());
    expect(error.message).toBe('Cannot call "reset": the environment "toy-chest" is closed.');
  });
});

describe('RemoteEnvironment over HTTP, against the Python reference server', () => {
  let server: ChildProcess;
  let url: string;

  beforeAll(async () => {
    server = spawn('python3', [SERVER, '--http', '0'], { stdio: ['ignore', 'pipe', 'inherit'], env: { PATH: process.env.PATH ?? '' } });
    const lines = createInterface({ input: server.stdout! });
    const [first] = (await once(lines, 'line')) as [string];
    lines.close();
    const match = /^listening (http:\/\/127\.0\.0\.1:\d+\/)$/.exec(first);
    expect(match, `the server's first stdout line was "${first}"`).not.toBeNull();
    url = match![1]!;
  });

  afterAll(async () => {
    server.kill();
    if (server.exitCode === null) await once(server, 'exit');
  });

  it('plays a whole episode, and serves a new client after close', async () => {
    const env = await track(RemoteEnvironment.connect({ url }));
    expect(env.name).toBe('toy-chest');
    expect(await env.reset({ seed: 1 })).toEqual(SEED_1_START);
    const trajectory = await playEpisode({ environment: env, policy: scriptedPolicy(SEED_1_SOLUTION), reset: { seed: 1 } });
    expect(trajectory.success).toBe(true);
    await env.close();

    const again = await track(RemoteEnvironment.connect({ url }));
    const error = await rejectionOf(again.step('look'));
    // The previous client's episode ended with its win, so the server refuses further steps.
    expect(error.context.code).toBe(-32000);
    expect((await again.reset({ seed: 1 })).observation).toBe(SEED_1_START.observation);
  });
});

/** A small counter environment over HTTP, written in Node, so HTTP is tested without Python too. */
async function startCounterServer(): Promise<{ url: string; headers: IncomingHttpHeaders[]; close(): Promise<void> }> {
  const headers: IncomingHttpHeaders[] = [];
  let count: number | undefined;
  const server: Server = createServer(async (request, response) => {
    headers.push(request.headers);
    let body = '';
    for await (const chunk of request) body += chunk;
    const message = JSON.parse(body) as { id: number; method: string; params?: { action?: string; seed?: number } };
    const reply = (payload: object, status = 200) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ jsonrpc: '2.0', id: message.id, ...payload }));
    };
    const state = (observation: string) => ({ observation, admissibleActions: ['inc', 'stop'], info: { steps: count } });
    switch (message.method) {
      case 'initialize':
        return reply({ result: { protocolVersion: 1, name: 'counter' } });
      case 'reset':
        count = message.params?.seed ?? 0;
        return reply({ result: { ...state(`count ${count}`), goal: 'count to 2, then stop.' } });
      case 'step': {
        const action = message.params?.action;
        if (count === undefined) return reply({ error: { code: -32000, message: 'reset first' } });
        if (action === 'hang') return;
        if (action === 'malformed') {
          return reply({ result: { observation: 'x', reward: '1', terminated: false, truncated: false, admissibleActions: 'inc' } });
        }
        if (action === 'crash') {
          response.writeHead(500, { 'content-type': 'text/plain' });
          return response.end('upstream simulator broke');
        }
        if (action === 'inc') count++;
        const done = action === 'stop';
        return reply({
          result: { ...state(`count ${count}`), reward: done && count === 2 ? 1 : 0, terminated: done, truncated: false, info: { won: done && count === 2 } },
        });
      }
      case 'close':
        return reply({ result: null });
      default:
        return reply({ error: { code: -32601, message: `unknown method ${message.method}` } });
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/rpc`,
    headers,
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

describe('RemoteEnvironment over HTTP, against a Node server', () => {
  let counter: Awaited<ReturnType<typeof startCounterServer>>;
  beforeAll(async () => {
    counter = await startCounterServer();
  });
  afterAll(async () => {
    await counter.close();
  });

  it('plays an episode, sending the configured headers with every request', async () => {
    const env = await track(RemoteEnvironment.connect({ url: counter.url, headers: { authorization: 'Bearer test-token' } }));
    expect(env.name).toBe('counter');
    expect(env.taskTypes).toBeUndefined();
    const start = await env.reset();
    expect(start).toEqual({ observation: 'count 0', goal: 'count to 2, then stop.', admissibleActions: ['inc', 'stop'], info: { steps: 0 } });
    const trajectory = await playEpisode({ environment: env, policy: scriptedPolicy(['inc', 'inc', 'stop']) });
    expect(trajectory.success).toBe(true);
    expect(trajectory.steps.map((step) => step.observation)).toEqual(['count 1', 'count 2', 'count 2']);
    expect(counter.headers.at(-1)?.authorization).toBe('Bearer test-token');
    expect(counter.headers.at(-1)?.['content-type']).toBe('application/json');
  });

  it('names the field of a malformed result', async () => {
    const env = await track(RemoteEnvironment.connect({ url: counter.url }));
    await env.reset();
    const error = await rejectionOf(env.step('malformed'));
    expect(error.message).toContain('returned a malformed "step" result');
    expect(error.context.problems).toEqual([
      'reward: Invalid input: expected number, received string',
      'admissibleActions: Invalid input: expected array, received string',
    ]);
  });

  it('reports HTTP errors, timeouts and unreachable servers', async () => {
    const env = await track(RemoteEnvironment.connect({ url: counter.url, timeoutMs: 300 }));
    await env.reset();
    const crash = await rejectionOf(env.step('crash'));
    expect(crash.message).toBe(
      `The environment server at ${counter.url} answered "step" with HTTP 500 Internal Server Error: "upstream simulator broke".`,
    );
    const hang = await rejectionOf(env.step('hang'));
    expect(hang.message).toContain(`did not answer "step" within 300 ms`);
    expect(hang.context).toEqual({ method: 'step', timeoutMs: 300 });

    const unused = createServer();
    unused.listen(0, '127.0.0.1');
    await once(unused, 'listening');
    const { port } = unused.address() as AddressInfo;
    unused.close();
    await once(unused, 'close');
    const refused = await rejectionOf(RemoteEnvironment.connect({ url: `http://127.0.0.1:${port}/` }));
    expect(refused.message).toContain(`Could not reach the environment server at http://127.0.0.1:${port}/ for "initialize"`);
    expect(refused.message).toContain('ECONNREFUSED');
  });
});

/** The start of every inline Node server: line reading and answering helpers. */
const PRELUDE = `
const lines = require('node:readline').createInterface({ input: process.stdin });
const answer = (request, result) => process.stdout.write(JSON.stringify({ jsonrpc: '2.0', id: request.id, result }) + '\\n');
const START = { observation: 'start', goal: 'none', admissibleActions: [], info: {} };
`;

function spawnInline(body: string, options: { timeoutMs?: number; env?: Record<string, string>; cwd?: string } = {}) {
  return track(RemoteEnvironment.spawn({ command: process.execPath, args: ['-e', PRELUDE + body], ...options }));
}

describe('RemoteEnvironment over stdio, against misbehaving servers', () => {
  it('fails pending and later calls when the server prints something that is not JSON', async () => {
    const env = await spawnInline(`
      lines.on('line', (line) => {
        const request = JSON.parse(line);
        if (request.method === 'initialize') return answer(request, { protocolVersion: 1, name: 'noisy' });
        process.stderr.write('loading the simulator\\n');
        process.stdout.write('Loading 42 tasks...\\n');
      });`);
    const error = await rejectionOf(env.reset());
    expect(error.message).toMatch(/^The environment server `.+` wrote a line to stdout that is not a JSON-RPC message: "Loading 42 tasks\.\.\."/);
    expect(error.message).toContain('while "reset" waited for its answer.');
    const later = await rejectionOf(env.step('look'));
    expect(later.message).toMatch(/^Cannot send "step": the environment server `.+` wrote a line to stdout that is not a JSON-RPC message/);
    expect(later.message).toContain('loading the simulator');
  });

  it('fails with the end of stderr when the server exits mid-request', async () => {
    const env = await spawnInline(`
      lines.on('line', (line) => {
        const request = JSON.parse(line);
        if (request.method === 'initialize') return answer(request, { protocolVersion: 1, name: 'crashy' });
        process.stderr.write('x'.repeat(5000) + '\\nTraceback: the simulator crashed\\n', () => process.exit(3));
      });`);
    const error = await rejectionOf(env.reset({ seed: 1 }));
    expect(error.message).toContain('exited with code 3 while "reset" waited for its answer.');
    expect(error.message).toMatch(/The end of its stderr:\n…x+\nTraceback: the simulator crashed$/);
    expect(String(error.context.stderrTail).length).toBeLessThanOrEqual(2048);
    const later = await rejectionOf(env.step('look'));
    expect(later.message).toMatch(/^Cannot send "step": the environment server `.+` exited with code 3\./);
    expect(later.message).toContain('Traceback: the simulator crashed');
  });

  it('times out a request that gets no answer, and kills a server that ignores close', async () => {
    const env = await spawnInline(
      `
      setInterval(() => {}, 1000);
      process.stdin.on('end', () => {});
      lines.on('line', (line) => {
        const request = JSON.parse(line);
        if (request.method === 'initialize') answer(request, { protocolVersion: 1, name: 'silent' });
      });`,
      { timeoutMs: 200 },
    );
    const error = await rejectionOf(env.reset());
    expect(error.message).toMatch(/^The environment server `.+` did not answer "reset" within 200 ms\./);
    const pid = env.pid as number;
    expect(isAlive(pid)).toBe(true);
    await env.close();
    expect(isAlive(pid)).toBe(false);
  });

  it('passes the child only the configured environment plus PATH, in the configured directory', async () => {
    process.env.GANTRY_TEST_SECRET = 'must not leak';
    try {
      const env = await spawnInline(
        `
        lines.on('line', (line) => {
          const request = JSON.parse(line);
          if (request.method === 'initialize') return answer(request, { protocolVersion: 1, name: 'echo' });
          if (request.method === 'reset') return answer(request, { ...START, observation: JSON.stringify({ env: process.env, cwd: process.cwd() }) });
          answer(request, null);
        });`,
        { env: { SIMULATOR_DATA: '/data/sim' }, cwd: realpathSync(tmpdir()) },
      );
      const { observation } = await env.reset();
      expect(JSON.parse(observation)).toEqual({
        env: { PATH: process.env.PATH, SIMULATOR_DATA: '/data/sim' },
        cwd: realpathSync(tmpdir()),
      });
    } finally {
      delete process.env.GANTRY_TEST_SECRET;
    }
  });

  it('refuses a server of another protocol version, and works with one that has no initialize', async () => {
    const newer = await rejectionOf(
      spawnInline(`lines.on('line', (line) => answer(JSON.parse(line), { protocolVersion: 2, name: 'future' }));`),
    );
    expect(newer.message).toContain('speaks protocol version 2, but this Gantry speaks version 1');

    const env = await spawnInline(`
      lines.on('line', (line) => {
        const request = JSON.parse(line);
        if (request.method === 'initialize') {
          return process.stdout.write(JSON.stringify({ jsonrpc: '2.0', id: request.id, error: { code: -32601, message: 'no' } }) + '\\n');
        }
        answer(request, request.method === 'reset' ? START : null);
      });`);
    expect(env.name).toBe('remote');
    expect(await env.reset()).toEqual(START_RESULT);
  });

  it('throws a UserError when the command cannot be started', async () => {
    await expect(RemoteEnvironment.spawn({ command: 'gantry-no-such-command-xyz' })).rejects.toThrow(UserError);
    await expect(RemoteEnvironment.spawn({ command: 'gantry-no-such-command-xyz' })).rejects.toThrow(
      /^Could not start the environment server `gantry-no-such-command-xyz`: spawn gantry-no-such-command-xyz ENOENT\./,
    );
  });
});

const START_RESULT = { observation: 'start', goal: 'none', admissibleActions: [], info: {} };

describe('parseEnvironmentSpec', () => {
  it('parses built-in names, stdio command lines and URLs', () => {
    expect(parseEnvironmentSpec('household')).toEqual({ kind: 'builtin', name: 'household' });
    expect(parseEnvironmentSpec('stdio:python3 server.py --flag')).toEqual({
      kind: 'stdio',
      command: 'python3',
      args: ['server.py', '--flag'],
    });
    expect(parseEnvironmentSpec(`stdio:  python3 "my envs/server.py" --name 'a "b" c' --x=\\"q\\" "\\$HOME" ''`)).toEqual({
      kind: 'stdio',
      command: 'python3',
      args: ['my envs/server.py', '--name', 'a "b" c', '--x="q"', '$HOME', ''],
    });
    expect(parseEnvironmentSpec('http://127.0.0.1:8765/')).toEqual({ kind: 'http', url: 'http://127.0.0.1:8765/' });
    expect(parseEnvironmentSpec('https://sim.example.com/rpc')).toEqual({ kind: 'http', url: 'https://sim.example.com/rpc' });
  });

  it('throws a UserError for anything else', () => {
    for (const spec of ['', 'stdio:', 'stdio:   ', 'ftp://example.com', 'two words', './server.py', 'http://']) {
      expect(() => parseEnvironmentSpec(spec), spec).toThrow(UserError);
    }
    expect(() => parseEnvironmentSpec('stdio:python3 "server.py')).toThrow('The command line "python3 "server.py" has an unterminated " quote.');
    expect(() => parseEnvironmentSpec('ftp://example.com')).toThrow(
      'Unknown environment spec "ftp://example.com": expected a built-in environment name (such as household), ' +
        '"stdio:COMMAND ARGS…" to start a server (stdio:python3 server.py), or the http:// or https:// URL of a running server.',
    );
  });
});

describe('openEnvironment', () => {
  it('opens built-ins, stdio servers and HTTP servers', async () => {
    const builtin: Environment = {
      name: 'fake',
      reset: async () => START_RESULT,
      step: async () => ({ ...START_RESULT, reward: 0, terminated: true, truncated: false }),
      close: async () => {},
    };
    expect(await openEnvironment('fake', { builtins: { fake: () => builtin } })).toBe(builtin);
    await expect(openEnvironment('household', { builtins: { fake: () => builtin } })).rejects.toThrow(
      'There is no built-in environment "household". Built-in environments: fake;',
    );

    const stdio = await track(openEnvironment(`stdio:python3 '${SERVER}'`, { builtins: {} }));
    expect(stdio.name).toBe('toy-chest');

    const counter = await startCounterServer();
    try {
      const http = await openEnvironment(counter.url, { builtins: {} });
      expect(http.name).toBe('counter');
      await http.close();
    } finally {
      await counter.close();
    }
  });
});
