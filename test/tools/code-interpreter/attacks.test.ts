import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCodeInterpreter, type CodeInterpreterTool } from '../../../src/index.ts';
import type { ToolFailure } from '../../../src/tools/tool.ts';

/**
 * Attacks a model might run after reading a hostile page. For each: the outcome is safe (an
 * error or a harmless value), the host is alive, the host's secret did not leak, no file was
 * written, and a fresh session works afterwards.
 */
const SECRET = `gantry-secret-${process.pid}-${Date.now()}`;
const folder = mkdtempSync(join(tmpdir(), 'gantry-attacks-'));
const MARKER = join(folder, 'pwned.txt');
let interpreter: CodeInterpreterTool;
let callCount = 0;

beforeAll(() => {
  process.env.GANTRY_ATTACK_SECRET = SECRET;
  interpreter = createCodeInterpreter({ workers: 2, timeoutMs: 1_000, memoryMb: 64, maxOutputChars: 2_000 });
});

afterAll(async () => {
  delete process.env.GANTRY_ATTACK_SECRET;
  await interpreter.close();
});

async function run(code: string, options: { timeoutMs?: number } = {}): Promise<{ ok: boolean; text: string }> {
  const session = `attack-${++callCount}`;
  const output = (await interpreter.execute(
    { code, session, ...options },
    { toolCallId: 'call', runId: 'attacks', signal: new AbortController().signal, context: undefined },
  )) as string | ToolFailure;
  return typeof output === 'string' ? { ok: true, text: output } : { ok: false, text: output.error };
}

/** Code an escape would run: read the secret and write a marker file. */
const PAYLOAD = `(p) => { const fs = p.mainModule ? p.mainModule.require('fs') : null; try { fs && fs.writeFileSync(${JSON.stringify(MARKER)}, 'x'); } catch {} return p.env.GANTRY_ATTACK_SECRET; }`;

const ATTACKS: [name: string, code: string][] = [
  ['constructor chain to process', `this.constructor.constructor('return process')()`],
  ['constructor chain through an object literal', `({}).constructor.constructor('return this.process')()`],
  ['constructor chain through console', `console.log.constructor('return typeof process === "undefined" ? "none" : (${PAYLOAD})(process)')()`],
  ['async function constructor', `await Object.getPrototypeOf(async function () {}).constructor('return process')()`],
  ['generator function constructor', `Object.getPrototypeOf(function* () {}).constructor('return process')().next()`],
  ['Function and eval', `[Function('return typeof process')(), eval('typeof require'), (0, eval)('typeof globalThis.process')]`],
  ['require', `require('fs').writeFileSync(${JSON.stringify(MARKER)}, 'x')`],
  ['dynamic import of a host module', `await import('node:fs')`],
  ['dynamic import through eval', `await eval("import('child_process')")`],
  ['global names of isolated-vm and bridges', `Object.getOwnPropertyNames(globalThis).filter((name) => /ivm|Reference|ExternalCopy|Callback|gantry|_/i.test(name))`],
  ['console internals', `[Object.getOwnPropertyNames(console), String(console.log), Object.getOwnPropertyNames(console.log)]`],
  ['prototype pollution aimed at the host', `Object.prototype.polluted = 'yes'; Array.prototype.polluted = 'yes'; JSON.parse = () => ({ polluted: true }); ({ a: 1 })`],
  ['serializer sabotage', `Object.prototype.toJSON = function () { return { hijacked: true } }; JSON.stringify = () => '"fake"'; [1, 2, 3]`],
  ['Error.prepareStackTrace', `Error.prepareStackTrace = (e, frames) => frames.map((f) => f.getThis && f.getThis()); new Error('x').stack`],
  ['sync infinite loop', `while (true) {}`],
  ['infinite microtask chain', `Promise.resolve().then(function loop() { return Promise.resolve().then(loop); }); await new Promise(() => {})`],
  ['awaiting forever in a loop', `for (;;) await null;`],
  ['a promise that never settles', `await new Promise(() => {})`],
  ['recursive async calls', `async function f() { await f(); } await f();`],
  ['looping getter in the result', `({ get x() { for (;;) {} } })`],
  ['looping toJSON in the result', `({ toJSON() { for (;;) {} } })`],
  ['array growth', `const kept = []; for (;;) kept.push(new Array(1e6).fill(1));`],
  ['string doubling', `let s = 'x'; for (;;) s += s;`],
  ['objects stashed on the global', `globalThis.kept = []; for (;;) kept.push({ n: Math.random(), s: 'y'.repeat(100) });`],
  ['a 2 GiB ArrayBuffer', `new ArrayBuffer(2 ** 31).byteLength`],
  ['many typed arrays', `const kept = []; for (let i = 0; i < 1e4; i++) kept.push(new Float64Array(1e6)); kept.length`],
  ['deep recursion', `function down(n) { return down(n + 1) + 1; } down(0)`],
  ['a huge string result', `'x'.repeat(5e7)`],
  ['a huge array result', `Array.from({ length: 1e6 }, (_, i) => i)`],
  ['a deeply nested result', `let o = {}; for (let i = 0; i < 1e5; i++) o = { o }; o`],
  ['a cyclic result', `const a = { name: 'a' }; a.self = a; a`],
  ['console flood', `for (let i = 0; i < 1e6; i++) console.log('line', i); 'done'`],
  ['Atomics.wait', `Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0)`],
  ['SharedArrayBuffer', `new SharedArrayBuffer(1024)`],
  ['WebAssembly memory', `new WebAssembly.Memory({ initial: 32768 }).buffer.byteLength`],
  ['WebAssembly through the global object', `globalThis['Web' + 'Assembly'].compile(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]))`],
];

describe('the sandbox under attack', () => {
  it.each(ATTACKS)('%s', async (_name, code) => {
    const attack = await run(code);
    expect(attack.text).not.toContain(SECRET);
    expect(existsSync(MARKER)).toBe(false);
    // The host's own objects were not touched.
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(JSON.parse('{"a":1}')).toEqual({ a: 1 });
    // The next call in a fresh session works.
    const next = await run('1 + 1');
    expect(next).toEqual({ ok: true, text: expect.stringMatching(/^result: 2\n/) });
  });

  it('leaves nothing of the host reachable', async () => {
    const probe = await run(`[typeof process, typeof require, typeof module, typeof Buffer, typeof fetch, typeof setTimeout, typeof WebAssembly, typeof SharedArrayBuffer, typeof Atomics]`);
    expect(probe.text).toMatch(/^result: \[\s*('undefined',?\s*){9}\]/);
  });

  it('reports each limit by name', async () => {
    expect((await run('while (true) {}')).text).toMatch(/^error \(timeout\): .*1000 ms time limit/);
    // A generous time limit, so that only the memory limit can end this one even on a loaded machine.
    const memory = await run(`const kept = []; for (;;) kept.push(new Array(1e5).fill(Math.random()));`, { timeoutMs: 20_000 });
    expect(memory.text).toMatch(/^error \(memory\): .*64 MB/);
    const flood = await run(`for (let i = 0; i < 1e5; i++) console.log('line', i); 'done'`);
    expect(flood.text).toContain('note: stdout was cut at 2000 characters (the output limit).');
  });
});
