import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HostToWorker, RunLimits, RunOutcome, WorkerToHost } from '../../../src/tools/code-interpreter/protocol.ts';

const WORKER_FILE = fileURLToPath(new URL('../../../src/tools/code-interpreter/sandbox-worker.ts', import.meta.url));
const LIMITS: RunLimits = { timeoutMs: 2_000, memoryMb: 64, maxOutputChars: 10_000 };

type Request = HostToWorker extends infer M ? (M extends HostToWorker ? Omit<M, 'id'> : never) : never;

/** A real worker process, driven over its IPC channel the way the pool drives it. */
class TestWorker {
  readonly child: ChildProcess;
  readonly ready: Promise<void>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr = '';
  readonly #pending = new Map<number, (reply: WorkerToHost) => void>();
  #nextId = 1;

  constructor() {
    this.child = fork(WORKER_FILE, [], {
      execPath: process.execPath,
      execArgv: ['--no-node-snapshot', '--disable-warning=ExperimentalWarning'],
      serialization: 'json',
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    this.child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
    this.ready = new Promise((resolve) => this.child.once('message', () => resolve()));
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal })));
    this.child.on('message', (reply: WorkerToHost) => {
      if (reply.type === 'ready') return;
      this.#pending.get(reply.id)?.(reply);
      this.#pending.delete(reply.id);
    });
  }

  static async start(): Promise<TestWorker> {
    const worker = new TestWorker();
    await worker.ready;
    return worker;
  }

  /** Sends a request and resolves with the reply carrying its id. */
  request(request: Request): Promise<WorkerToHost> {
    return this.send({ ...request, id: this.#nextId++ } as HostToWorker);
  }

  /** Sends any message, valid or not; resolves with the reply to `id`. */
  send(message: unknown, id = (message as { id: number }).id): Promise<WorkerToHost> {
    const reply = new Promise<WorkerToHost>((resolve) => this.#pending.set(id, resolve));
    this.child.send(message as object);
    return reply;
  }

  async run(code: string, options: { session?: string; language?: 'javascript' | 'typescript'; limits?: Partial<RunLimits> } = {}): Promise<RunOutcome> {
    const { session = 'main', language = 'javascript', limits = {} } = options;
    const reply = await this.request({ type: 'run', session, code, language, limits: { ...LIMITS, ...limits } });
    if (reply.type !== 'result') throw new Error(`expected a result, got ${reply.type}`);
    return reply.outcome;
  }

  /** True when the process still answers. */
  async answers(): Promise<boolean> {
    const reply = await this.request({ type: 'stats' });
    return reply.type === 'stats' && this.child.exitCode === null && this.child.signalCode === null;
  }

  stop(): void {
    this.child.kill('SIGKILL');
  }
}

/** What a successful call with a value returns, durations aside. */
function valued(json: string | undefined, text: string, rest: Partial<RunOutcome> = {}): RunOutcome {
  return {
    ok: true,
    hasValue: true,
    ...(json === undefined ? {} : { json }),
    text,
    stdout: '',
    stderr: '',
    truncated: [],
    durationMs: expect.any(Number),
    sessionReset: false,
    ...rest,
  };
}

function failed(error: RunOutcome['error'], rest: Partial<RunOutcome> = {}): RunOutcome {
  return { ok: false, hasValue: false, stdout: '', stderr: '', error, truncated: [], durationMs: expect.any(Number), sessionReset: false, ...rest };
}

let worker: TestWorker;
let sessionCount = 0;
/** A session no other test uses, so each cell is `cell-1.js` there. */
const fresh = () => `session-${++sessionCount}`;

beforeAll(async () => {
  worker = await TestWorker.start();
});

afterAll(() => worker.stop());

describe('sandbox worker: values, console and notebook sessions', () => {
  it.each([
    ['1 + 1', '2', '2'],
    [`'hi'`, '"hi"', `'hi'`],
    [`({ a: [1, 'x', null], b: { c: true } })`, '{"a":[1,"x",null],"b":{"c":true}}', `{ a: [ 1, 'x', null ], b: { c: true } }`],
    [`new Map([['k', 1]])`, '{"k":1}', `Map(1) { 'k' => 1 }`],
    [`new Map([[1, 'one']])`, '[[1,"one"]]', `Map(1) { 1 => 'one' }`],
    ['new Set([1, 2])', '[1,2]', 'Set(2) { 1, 2 }'],
    ['new Date(0)', '"1970-01-01T00:00:00.000Z"', '1970-01-01T00:00:00.000Z'],
    ['10n ** 20n', '"100000000000000000000"', '100000000000000000000n'],
    ['[NaN, -0, Infinity, undefined]', '[null,0,null,null]', '[ NaN, -0, Infinity, undefined ]'],
    ['/a+b/g', '"/a+b/g"', '/a+b/g'],
    [`const a = { name: 'a' }; a.self = a; a`, '{"name":"a","self":"[Circular]"}', `{ name: 'a', self: [Circular] }`],
    ['class Point { constructor() { this.x = 1; } }\nnew Point()', '{"x":1}', 'Point { x: 1 }'],
    [`({ get lazy() { return 1; }, [Symbol('s')]: 2 })`, '{"lazy":1}', '{ lazy: [Getter], [Symbol(s)]: 2 }'],
    ['undefined', undefined, 'undefined'],
    ['(function named() {})', undefined, '[Function: named]'],
    ['async () => 1', undefined, '[AsyncFunction (anonymous)]'],
    [`Symbol('s')`, undefined, 'Symbol(s)'],
    [`new Error('bad')`, '{"name":"Error","message":"bad"}', 'Error: bad\n    at cell-1.js:1:9'],
  ])('returns the last value %s as JSON and as text', async (code, json, text) => {
    expect(await worker.run(code, { session: fresh() })).toEqual(valued(json, text));
  });

  it('reports no value when the cell does not end with an expression', async () => {
    expect(await worker.run('const quiet = 1;')).toEqual({
      ok: true,
      hasValue: false,
      stdout: '',
      stderr: '',
      truncated: [],
      durationMs: expect.any(Number),
      sessionReset: false,
    });
  });

  it('copies console output out as text: log, info and debug to stdout, warn and error to stderr', async () => {
    const code = [
      `console.log('plain', 1, true, null, undefined, [1, 'x'], { a: { b: { c: { d: 1 } } } });`,
      `console.info('%s is %d years and %o', 'Ann', 42.5, { k: [1] });`,
      `console.debug(new Map([['m', 1]]), new Set(['s']));`,
      `console.warn('careful');`,
      `console.error(new RangeError('out of range'));`,
      `'done'`,
    ].join('\n');
    expect(await worker.run(code, { session: fresh() })).toEqual(
      valued('"done"', `'done'`, {
        stdout:
          `plain 1 true null undefined [ 1, 'x' ] { a: { b: { c: [Object] } } }\n` +
          `Ann is 42.5 years and { k: [ 1 ] }\n` +
          `Map(1) { 'm' => 1 } Set(1) { 's' }\n`,
        stderr: 'careful\nRangeError: out of range\n    at cell-1.js:5:15\n',
      }),
    );
  });

  it('supports console.group, count, assert, dir and trace', async () => {
    const code = `console.group('outer'); console.log('inside'); console.groupEnd(); console.count(); console.count();\nconsole.assert(1 > 2, 'math'); console.dir('s'); console.trace('here')`;
    expect(await worker.run(code, { session: fresh() })).toMatchObject({
      ok: true,
      stdout: `outer\n  inside\ndefault: 1\ndefault: 2\n's'\n`,
      stderr: 'Assertion failed: math\nTrace: here\n    at cell-1.js:2:66\n',
    });
  });

  it('keeps top-level variables, functions and classes across calls of a session', async () => {
    const session = fresh();
    expect(await worker.run('let count = 1;\nfunction inc() { return ++count; }\nclass Box { constructor(v) { this.v = v; } }', { session })).toMatchObject({ ok: true });
    expect(await worker.run('inc(); inc()', { session })).toEqual(valued('3', '3'));
    expect(await worker.run('new Box(count).v', { session })).toEqual(valued('3', '3'));
    // Declaring a name again assigns it, as a notebook (and Node's REPL) does.
    expect(await worker.run('const count = 10; count', { session })).toEqual(valued('10', '10'));
    expect(await worker.run('inc()', { session })).toEqual(valued('11', '11'));
  });

  it('keeps sessions apart: globals, declarations and prototype changes stay in their own session', async () => {
    const [first, second] = [fresh(), fresh()];
    await worker.run(`globalThis.shared = 1; Object.prototype.polluted = true; let mine = 2;`, { session: first });
    expect(await worker.run('[typeof shared, typeof mine, ({}).polluted]', { session: second })).toEqual(
      valued('["undefined","undefined",null]', `[ 'undefined', 'undefined', undefined ]`),
    );
    expect(await worker.run('[typeof shared, typeof mine, ({}).polluted]', { session: first })).toEqual(
      valued('["number","number",true]', `[ 'number', 'number', true ]`),
    );
  });

  it('runs top-level await', async () => {
    expect(await worker.run('const v = await Promise.resolve(21);\nlet total = 0;\nfor await (const x of [1, 2]) total += x;\nv * total')).toEqual(
      valued('63', '63'),
    );
  });

  it('strips TypeScript types, and explains TypeScript syntax that needs code generation', async () => {
    const typed = 'interface User { name: string }\nconst user: User = { name: "Ann" };\nfunction greet(u: User): string { return `hi ${u.name}`; }\ngreet(user)';
    expect(await worker.run(typed, { language: 'typescript' })).toEqual(valued('"hi Ann"', `'hi Ann'`));
    const outcome = await worker.run('const a = 1;\nenum Color { Red }', { language: 'typescript' });
    expect(outcome).toEqual(failed({ kind: 'unsupported', name: 'SyntaxError', message: expect.stringContaining('TypeScript enum is not supported in strip-only mode (2:0).') }));
    expect(outcome.error?.message).toContain('write an enum as an object');
    expect(await worker.run('let a: = 1', { language: 'typescript' })).toEqual(
      failed({ kind: 'syntax', name: 'SyntaxError', message: expect.stringMatching(/^Unexpected token `=`.* \(1:7\)$/) }),
    );
  });
});

describe('sandbox worker: errors', () => {
  it('reports a runtime error with a stack trimmed to the user code, with its own line numbers', async () => {
    const code = ['const ok = 1;', 'function inner() {', '  throw new TypeError("bad input");', '}', 'function outer() { return inner(); }', 'outer();'].join('\n');
    expect(await worker.run(code, { session: fresh() })).toEqual(
      failed({
        kind: 'runtime',
        name: 'TypeError',
        message: 'bad input',
        stack: 'TypeError: bad input\n    at inner (cell-1.js:3:9)\n    at outer (cell-1.js:5:27)\n    at cell-1.js:6:9',
      }),
    );
  });

  it('numbers cells per session and keeps the session after a runtime error', async () => {
    const session = fresh();
    await worker.run('let kept = 5;', { session });
    expect(await worker.run('\n\nmissing + 1', { session })).toEqual(
      failed({ kind: 'runtime', name: 'ReferenceError', message: 'missing is not defined', stack: 'ReferenceError: missing is not defined\n    at cell-2.js:3:1' }),
    );
    expect(await worker.run('kept', { session })).toEqual(valued('5', '5'));
  });

  it('reports thrown non-Error values readably', async () => {
    expect(await worker.run('throw 42')).toEqual(failed({ kind: 'runtime', name: 'Uncaught', message: '42', stack: 'Uncaught 42' }));
    expect(await worker.run(`throw { code: 'E_BAD' }`)).toEqual(
      failed({ kind: 'runtime', name: 'Uncaught', message: `{ code: 'E_BAD' }`, stack: `Uncaught { code: 'E_BAD' }` }),
    );
  });

  it('reports rejected awaits and rejections nothing handled', async () => {
    expect(await worker.run(`await Promise.reject(new Error('no'))`, { session: fresh() })).toEqual(
      failed({ kind: 'runtime', name: 'Error', message: 'no', stack: 'Error: no\n    at cell-1.js:1:30' }),
    );
    expect(await worker.run(`Promise.reject(new Error('lost')); 1`, { session: fresh() })).toEqual(
      failed({ kind: 'runtime', name: 'Error', message: 'lost', stack: 'Uncaught (in promise) Error: lost\n    at cell-1.js:1:16' }),
    );
  });

  it('reports syntax errors with the line and column', async () => {
    expect(await worker.run('let x = ;')).toEqual(failed({ kind: 'syntax', name: 'SyntaxError', message: 'Unexpected token (1:8)' }));
    expect(await worker.run('const a = 1\nconst a = 2')).toEqual(
      failed({ kind: 'syntax', name: 'SyntaxError', message: "Identifier 'a' has already been declared (2:6)" }),
    );
  });
});

describe('sandbox worker: limits', () => {
  it('cuts console output and the result at maxOutputChars, cheaply', async () => {
    const flood = await worker.run(`for (let i = 0; i < 1e6; i++) console.log('line', i); 'done'`, { limits: { maxOutputChars: 100 } });
    expect(flood).toEqual(valued('"done"', `'done'`, { stdout: expect.any(String), truncated: ['stdout'] }));
    expect(flood.stdout).toHaveLength(100);
    expect(flood.stdout.startsWith('line 0\nline 1\n')).toBe(true);
    expect(flood.durationMs).toBeLessThan(1_500);

    const errors = await worker.run(`for (let i = 0; i < 1e4; i++) console.error('e'.repeat(50)); 1`, { limits: { maxOutputChars: 100 } });
    expect(errors).toMatchObject({ ok: true, stdout: '', truncated: ['stderr'] });
    expect(errors.stderr).toHaveLength(100);

    const big = await worker.run(`'x'.repeat(500)`, { limits: { maxOutputChars: 100 } });
    // The JSON copy is left out rather than cut into invalid JSON; the text is cut.
    expect(big).toEqual(valued(undefined, `'${'x'.repeat(99)}`, { truncated: ['result'] }));
  });

  it('copies a deeply nested result out within a depth bound', async () => {
    const outcome = await worker.run('let o = {}; for (let i = 0; i < 1e5; i++) o = { o }; o');
    expect(outcome).toEqual(valued(`${'{"o":'.repeat(20)}"[Object]"${'}'.repeat(20)}`, '{ o: { o: { o: { o: { o: [Object] } } } } }'));
  });

  it.each([
    ['a synchronous infinite loop', 'while (true) {}', 'it was still running'],
    ['an infinite loop of awaits', 'for (;;) await null;', 'it was still running'],
    ['a microtask chain that never ends', 'Promise.resolve().then(function loop() { return Promise.resolve().then(loop); }); 1', 'it was still running'],
    ['a promise that never settles', 'await new Promise(() => {})', 'it was waiting for a promise that never settled'],
    ['a looping getter in the result', '({ get x() { for (;;) {} } })', 'it was still running'],
    ['a looping toJSON in the result', '({ toJSON() { for (;;) {} } })', 'it was still running'],
  ])('stops %s at the deadline and resets the session', async (_name, code, cause) => {
    const session = fresh();
    await worker.run('let before = 1;', { session });
    const outcome = await worker.run(`console.log('started');\n${code}`, { session, limits: { timeoutMs: 300 } });
    expect(outcome).toEqual(
      failed(
        { kind: 'timeout', name: 'TimeoutError', message: `The code exceeded the 300 ms time limit (${cause}) and was stopped; the session was reset.` },
        { stdout: 'started\n', sessionReset: true },
      ),
    );
    expect(outcome.durationMs).toBeGreaterThanOrEqual(299);
    expect(outcome.durationMs).toBeLessThan(1_000);
    // The next call runs in a fresh session.
    expect(await worker.run('typeof before', { session })).toEqual(valued('"undefined"', `'undefined'`));
  });

  it('keeps the console output of a call that timed out', async () => {
    const lines = Array.from({ length: 1_500 }, (_, i) => `${i}\n`).join('');
    for (const end of ['for (;;) {}', 'await new Promise(() => {})']) {
      const code = `for (let i = 0; i < 1500; i++) console.log(i);\n${end}`;
      expect(await worker.run(code, { session: fresh(), limits: { timeoutMs: 300 } })).toMatchObject({ error: { kind: 'timeout' }, stdout: lines });
    }
  });

  it('runs other sessions while one is busy', async () => {
    const busy = worker.run('while (true) {}', { session: fresh(), limits: { timeoutMs: 600 } });
    const started = performance.now();
    expect(await worker.run('1 + 1', { session: fresh() })).toEqual(valued('2', '2'));
    expect(performance.now() - started).toBeLessThan(400);
    expect(await busy).toMatchObject({ error: { kind: 'timeout' } });
  });

  it('ends the session at the memory limit, names the limit, and keeps the process', async () => {
    const session = fresh();
    await worker.run('let before = 1;', { session, limits: { memoryMb: 32 } });
    const outcome = await worker.run(`console.log('filling'); globalThis.kept = []; for (;;) kept.push({ n: Math.random(), s: 'y'.repeat(100) });`, {
      session,
      limits: { memoryMb: 32, timeoutMs: 10_000 },
    });
    expect(outcome).toEqual(
      failed(
        { kind: 'memory', name: 'MemoryLimitError', message: 'The code exceeded the sandbox memory limit of 32 MB; the session was reset.' },
        { stdout: 'filling\n', sessionReset: true },
      ),
    );
    expect(await worker.run('typeof before', { session })).toEqual(valued('"undefined"', `'undefined'`));
    expect(await worker.answers()).toBe(true);
  });

  it('turns allocations the limit refuses into RangeErrors inside the code; the session stays', async () => {
    const session = fresh();
    await worker.run('let before = 1;', { session });
    expect(await worker.run('new ArrayBuffer(2 ** 31).byteLength', { session })).toMatchObject(
      failed({ kind: 'runtime', name: 'RangeError', message: 'Array buffer allocation failed', stack: expect.any(String) }),
    );
    expect(await worker.run(`let s = 'x'; for (;;) s += s;`, { session })).toMatchObject(
      failed({ kind: 'runtime', name: 'RangeError', message: 'Invalid string length', stack: expect.any(String) }),
    );
    expect(await worker.run('before', { session })).toEqual(valued('1', '1'));
  });
});

describe('sandbox worker: nothing of the host is reachable', () => {
  it.each([
    ['process, require and other Node globals', '[typeof process, typeof require, typeof module, typeof Buffer, typeof setTimeout, typeof fetch]', '["undefined","undefined","undefined","undefined","undefined","undefined"]'],
    ['WebAssembly, SharedArrayBuffer and Atomics', '[typeof WebAssembly, typeof SharedArrayBuffer, typeof Atomics]', '["undefined","undefined","undefined"]'],
    ['dynamic import, which rejects inside the isolate', `let got; try { await import('node:fs'); got = 'imported' } catch (error) { got = 'rejected: ' + error.message } got`, '"rejected: Not supported"'],
  ])('%s', async (_name, code, json) => {
    expect(await worker.run(code, { session: fresh() })).toMatchObject({ ok: true, json });
    expect(await worker.answers()).toBe(true);
  });

  it('gives the constructor chain nothing but the sandbox', async () => {
    expect(await worker.run(`this.constructor.constructor('return process')()`, { session: fresh() })).toEqual(
      failed({ kind: 'runtime', name: 'ReferenceError', message: 'process is not defined', stack: 'ReferenceError: process is not defined\n    at cell-1.js:1:55' }),
    );
    expect(await worker.answers()).toBe(true);
  });

  it('has only standard JavaScript globals (and the console) on the global object', async () => {
    const outcome = await worker.run('Object.getOwnPropertyNames(globalThis)', { session: fresh() });
    const names = JSON.parse(outcome.json ?? '[]') as string[];
    const standard = new Set(
      ('Object Function Array Number parseFloat parseInt Infinity NaN undefined Boolean String Symbol Date Promise RegExp Error ' +
        'AggregateError EvalError RangeError ReferenceError SyntaxError TypeError URIError globalThis JSON Math Intl ArrayBuffer ' +
        'Uint8Array Int8Array Uint16Array Int16Array Uint32Array Int32Array BigUint64Array BigInt64Array Uint8ClampedArray ' +
        'Float16Array Float32Array Float64Array DataView Map BigInt Set Iterator WeakMap WeakSet Proxy Reflect FinalizationRegistry ' +
        'WeakRef decodeURI decodeURIComponent encodeURI encodeURIComponent escape unescape eval isFinite isNaN console ' +
        'SuppressedError DisposableStack AsyncDisposableStack').split(' '),
    );
    expect(names.filter((name) => !standard.has(name))).toEqual([]);
    expect(names).toContain('console');
  });

  it('keeps the runtime out of reach of structured stack frames', async () => {
    const code = `Error.prepareStackTrace = (e, frames) => frames.map((f) => typeof f.getFunction()); console.log(new Error().stack); 1`;
    // The cell's own function is visible; the runtime's frames (strict code) are not.
    expect(await worker.run(code, { session: fresh() })).toMatchObject({ ok: true, stdout: `[ 'function', 'undefined' ]\n` });
  });
});

describe('sandbox worker: protocol', () => {
  it('disposes a session on request, even while it runs', async () => {
    const session = fresh();
    await worker.run('let kept = 1;', { session });
    expect(await worker.request({ type: 'dispose', session })).toEqual({ type: 'disposed', id: expect.any(Number), existed: true });
    expect(await worker.request({ type: 'dispose', session })).toEqual({ type: 'disposed', id: expect.any(Number), existed: false });
    expect(await worker.run('typeof kept', { session })).toEqual(valued('"undefined"', `'undefined'`));

    const running = worker.run('while (true) {}', { session, limits: { timeoutMs: 5_000 } });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await worker.request({ type: 'dispose', session })).toMatchObject({ type: 'disposed', existed: true });
    expect(await running).toEqual(
      failed({ kind: 'runtime', name: 'SessionDisposed', message: 'The session was disposed while the code was running.' }, { sessionReset: true }),
    );
  });

  it('reports sessions, process memory and each session heap', async () => {
    const own = await TestWorker.start();
    try {
      await own.run('const data = Array.from({ length: 1e5 }, (_, i) => i);', { session: 'big' });
      await own.run('1', { session: 'small' });
      const stats = await own.request({ type: 'stats' });
      expect(stats).toEqual({
        type: 'stats',
        id: expect.any(Number),
        sessions: 2,
        heapUsedBytes: expect.any(Number),
        rssBytes: expect.any(Number),
        sessionHeapBytes: { big: expect.any(Number), small: expect.any(Number) },
      });
      if (stats.type !== 'stats') throw new Error('unreachable');
      expect(stats.sessionHeapBytes.big).toBeGreaterThan((stats.sessionHeapBytes.small ?? 0) + 400_000);
      expect(stats.rssBytes).toBeGreaterThan(stats.heapUsedBytes);
    } finally {
      own.stop();
    }
  });

  it('answers bad requests with an error instead of crashing', async () => {
    expect(await worker.send({ type: 'bogus', id: 9_001 })).toEqual({
      type: 'result',
      id: 9_001,
      outcome: failed({ kind: 'runtime', name: 'SandboxError', message: 'The sandbox could not run the code: unknown request type "bogus".' }),
    });
    expect(await worker.send({ type: 'run', id: 9_002, session: 's', code: 42, language: 'javascript', limits: LIMITS })).toMatchObject({
      outcome: { error: { message: 'The sandbox could not run the code: "code" must be a string, got number.' } },
    });
    expect(await worker.send({ type: 'run', id: 9_003, session: 's', code: '1', language: 'javascript', limits: { ...LIMITS, memoryMb: 2 } })).toMatchObject({
      outcome: { error: { message: 'The sandbox could not run the code: "limits.memoryMb" must be a number of at least 8, got 2.' } },
    });
    worker.child.send('not an object');
    worker.child.send({ type: 'run' });
    expect(await worker.answers()).toBe(true);
  });

  it('exits when the host disconnects', async () => {
    const own = await TestWorker.start();
    await own.run('1');
    own.child.disconnect();
    expect(await own.exited).toEqual({ code: 0, signal: null });
  });

  it('ends its own process when isolated-vm cannot stop a built-in (a huge sparse fill), after answering', async () => {
    // Array.prototype.fill on a dictionary-mode array ignores termination; isolated-vm gives up
    // after 5 s and suspends the thread, and the process then kills itself. The pool restarts it.
    const own = await TestWorker.start();
    try {
      const outcome = await own.run('new Array(1e9).fill(0)', { limits: { timeoutMs: 300 } });
      expect(outcome).toMatchObject({ ok: false, error: { kind: 'timeout' }, sessionReset: true });
      expect(await own.exited).toEqual({ code: null, signal: 'SIGKILL' });
      expect(own.stderr).toContain('isolated-vm could not stop the code of session "main" (Script failed to terminate)');
    } finally {
      own.stop();
    }
  }, 15_000);
});
