/**
 * The sandbox runtime: the first code to run in every session's context. It removes what must not
 * be reachable, installs the console bridge, and returns `runCell` (which runs each cell) and
 * `flush` (which sends console text still buffered after a timeout). The host keeps both as
 * isolated-vm References, never visible to user code.
 *
 * Only strings leave the isolate: console text through `emit`, and `runCell`'s report, which
 * carries the value already serialised here, under the call's time limit. The runtime is strict
 * code, so user code cannot reach its closures (and `emit` in them) through `fn.caller` or the
 * functions of structured stack frames.
 *
 * `installRuntime` runs INSIDE the isolate from its source text (see `RUNTIME_SOURCE`): keep it
 * self-contained, using only JavaScript built-ins captured before any user code runs.
 */
import { createBoundedJson, type BoundedJson } from './isolate-json.ts';
import { createInspect, type Inspect } from './isolate-inspect.ts';
import { trimStack } from './trim-stack.ts';

/** `runCell`'s report, as JSON text. `json` and `text` are set for a value, `error` when the code threw. */
export interface CellReport {
  ok: boolean;
  json?: string;
  text?: string;
  error?: { name: string; message: string; stack?: string };
  resultTruncated: boolean;
  stdoutTruncated: boolean;
  stderrTruncated: boolean;
}

/**
 * Console text out of the isolate: stream 0 is stdout, 1 is stderr; `call` is the number of the
 * call that wrote it. Bound to an ivm.Callback that does not wait for the host.
 */
export type Emit = (call: number, stream: number, text: string) => void;

/** Runs call number `call`: the cell's async function, then a report (`CellReport` JSON text). Never rejects by itself. */
export type RunCell = (cell: () => unknown, call: number, hasValue: boolean, maxOutputChars: number) => Promise<string>;

/** What the runtime gives the host. `flush` sends console text still buffered (after a timeout). */
export interface Runtime {
  runCell: RunCell;
  flush: () => void;
}

interface RuntimeParts {
  emit: Emit;
  inspect: Inspect;
  toBoundedJson: BoundedJson;
  trimStack: (stack: string) => string;
  /** Nesting shown by console output (Node's default is 2) and by a result's text. */
  consoleDepth: number;
  resultDepth: number;
  /** Console writes per call sent at once; later ones are buffered up to `flushChars` characters. */
  directWrites: number;
  flushChars: number;
}

/**
 * The first console writes of a call are sent as they happen, so that a call the memory limit
 * ends keeps its output; after that, text is sent in chunks of about `FLUSH_CHARS` (and at the
 * end of the call), which keeps a flood of console calls from flooding the host with tasks.
 */
const DIRECT_WRITES = 1_000;
const FLUSH_CHARS = 8_192;

export function installRuntime({ emit, inspect, toBoundedJson, trimStack, consoleDepth, resultDepth, directWrites, flushChars }: RuntimeParts): Runtime {
  const jsonStringify = JSON.stringify;
  const { defineProperty, create: objectCreate } = Object;
  const isError = (Error as unknown as { isError?: (value: unknown) => boolean }).isError;
  const uncurry = <T, A extends unknown[], R>(fn: (this: T, ...args: A) => R): ((self: T, ...args: A) => R) =>
    Function.prototype.call.bind(fn as (...args: unknown[]) => unknown) as (self: T, ...args: A) => R;
  const stringSlice = uncurry(String.prototype.slice);
  const stringIndexOf = uncurry(String.prototype.indexOf);
  const stringReplace = uncurry(String.prototype.replace as (this: string, pattern: RegExp, replacement: string) => string);
  const dateNow = Date.now;
  const numberParseInt = Number.parseInt;
  const numberParseFloat = Number.parseFloat;
  const global = globalThis as Record<string, unknown>;

  // WebAssembly memory is not counted by the isolate's memory limit (a 64 MB isolate grew a 2 GiB
  // Memory), and shared memory and Atomics have no use in a single-threaded sandbox.
  delete global.WebAssembly;
  delete global.SharedArrayBuffer;
  delete global.Atomics;

  const streams = [
    { used: 0, truncated: false, buffered: '' },
    { used: 0, truncated: false, buffered: '' },
  ];
  let maxChars = 0;
  let currentCall = 0;
  let directWritesLeft = 0;
  let groupIndent = '';
  const counts = objectCreate(null) as Record<string, number>;
  const timers = objectCreate(null) as Record<string, number>;

  const cut = (text: string, limit: number): string => (text.length > limit ? stringSlice(text, 0, limit) : text);

  /** Sends the buffered console text. `emit` does not wait for the host, so this is cheap. */
  const flush = (): void => {
    for (let stream = 0; stream < streams.length; stream++) {
      const state = streams[stream] as { buffered: string };
      if (state.buffered !== '') emit(currentCall, stream, state.buffered);
      state.buffered = '';
    }
  };

  /** Appends to a stream up to the call's limit; after that, output is only marked as cut. */
  const write = (stream: 0 | 1, text: string): void => {
    const state = streams[stream] as { used: number; truncated: boolean; buffered: string };
    if (state.truncated) return;
    const indented = groupIndent === '' ? text : groupIndent + stringReplace(text, /\n(?!$)/g, `\n${groupIndent}`);
    const room = maxChars - state.used;
    const kept = indented.length > room ? stringSlice(indented, 0, room) : indented;
    state.truncated = kept.length < indented.length;
    state.used += kept.length;
    state.buffered += kept;
    if (directWritesLeft > 0) {
      directWritesLeft--;
      flush();
    } else if (state.buffered.length >= flushChars) {
      flush();
    }
  };

  const show = (value: unknown, budget: number): string =>
    inspect(value, { depth: consoleDepth, budget, rawStrings: true });

  const formatNumber = (value: number | bigint): string => (typeof value === 'bigint' ? `${value}n` : inspect(value, { depth: 0, budget: 64, rawStrings: true }));

  /** Node's `util.format`: printf-style `%s %d %i %f %j %o %O %c %%` in a first string, then the other arguments. */
  const format = (args: unknown[], budget: number): string => {
    let text = '';
    let next = 0;
    const first = args[0];
    if (typeof first === 'string' && stringIndexOf(first, '%') !== -1) {
      next = 1;
      let start = 0;
      for (let index = 0; index < first.length - 1 && text.length <= budget; index++) {
        if (first[index] !== '%') continue;
        const specifier = first[index + 1] as string;
        if (specifier === '%') {
          text += `${stringSlice(first, start, index)}%`;
        } else if (next < args.length && stringIndexOf('sdifjoOc', specifier) !== -1) {
          const arg = args[next++];
          let rendered: string;
          if (specifier === 's') rendered = typeof arg === 'string' ? arg : show(arg, budget);
          else if (specifier === 'd') rendered = typeof arg === 'bigint' ? formatNumber(arg) : formatNumber(typeof arg === 'symbol' ? NaN : Number(arg));
          else if (specifier === 'i') rendered = typeof arg === 'bigint' ? formatNumber(arg) : formatNumber(typeof arg === 'symbol' ? NaN : numberParseInt(String(arg)));
          else if (specifier === 'f') rendered = formatNumber(typeof arg === 'symbol' ? NaN : numberParseFloat(String(arg)));
          else if (specifier === 'j') rendered = toBoundedJson(arg, budget).json ?? 'undefined';
          else if (specifier === 'c') rendered = '';
          else rendered = inspect(arg, { depth: specifier === 'o' ? 4 : consoleDepth, budget, rawStrings: false });
          text += stringSlice(first, start, index) + rendered;
        } else {
          continue;
        }
        start = index + 2;
        index++;
      }
      text += stringSlice(first, start);
    }
    for (let index = next; index < args.length && text.length <= budget; index++) {
      text += (index === 0 ? '' : ' ') + show(args[index], budget - text.length);
    }
    return text;
  };

  /** Writes the formatted arguments as one line; cheap once the stream is cut. */
  const print = (stream: 0 | 1, args: unknown[]): void => {
    const state = streams[stream] as { used: number; truncated: boolean };
    if (!state.truncated) write(stream, `${format(args, maxChars - state.used + 1)}\n`);
  };
  const log = (...args: unknown[]): void => print(0, args);
  const error = (...args: unknown[]): void => print(1, args);
  const elapsed = (label: string): string => `${label}: ${dateNow() - (timers[label] as number)}ms`;
  const sandboxConsole = {
    log,
    info: log,
    debug: log,
    table: log,
    warn: error,
    error,
    dir: (value: unknown): void => log(inspect(value, { depth: consoleDepth, budget: maxChars + 1, rawStrings: false })),
    trace: (...args: unknown[]): void => {
      const frames = trimStack(`${new Error().stack}`);
      const header = args.length === 0 ? 'Trace' : `Trace: ${format(args, maxChars + 1)}`;
      error(`${header}${stringSlice(frames, stringIndexOf(`${frames}\n`, '\n'))}`);
    },
    assert: (condition: unknown, ...args: unknown[]): void => {
      if (!condition) error(args.length === 0 ? 'Assertion failed' : `Assertion failed: ${format(args, maxChars + 1)}`);
    },
    group: (...args: unknown[]): void => {
      if (args.length > 0) print(0, args);
      groupIndent += '  ';
    },
    groupCollapsed: (...args: unknown[]): void => {
      if (args.length > 0) print(0, args);
      groupIndent += '  ';
    },
    groupEnd: (): void => {
      groupIndent = stringSlice(groupIndent, 2);
    },
    count: (label = 'default'): void => {
      counts[label] = (counts[label] ?? 0) + 1;
      log(`${label}: ${counts[label]}`);
    },
    countReset: (label = 'default'): void => {
      delete counts[label];
    },
    time: (label = 'default'): void => {
      timers[label] = dateNow();
    },
    timeLog: (label = 'default', ...args: unknown[]): void => {
      if (timers[label] !== undefined) print(0, [elapsed(label), ...args]);
    },
    timeEnd: (label = 'default'): void => {
      if (timers[label] !== undefined) log(elapsed(label));
      delete timers[label];
    },
  };
  defineProperty(globalThis, 'console', { value: sandboxConsole, writable: true, configurable: true, enumerable: false });

  const report = (fields: Omit<CellReport, 'stdoutTruncated' | 'stderrTruncated'>): string =>
    // A null prototype keeps a user's `Object.prototype.toJSON` out of the report.
    jsonStringify({
      __proto__: null,
      ...fields,
      stdoutTruncated: (streams[0] as { truncated: boolean }).truncated,
      stderrTruncated: (streams[1] as { truncated: boolean }).truncated,
    });

  const readString = (read: () => unknown, fallback: string, limit: number): string => {
    try {
      const value = read();
      return cut(typeof value === 'string' ? value : String(value), limit);
    } catch {
      return fallback;
    }
  };

  const describeError = (thrown: unknown): CellReport['error'] => {
    const errorLike = isError ? isError(thrown) : thrown instanceof Error;
    if (!errorLike) {
      // `throw 42`, `throw { code: 1 }`: no stack to show, only the value, as Node's REPL does.
      const rendered = readString(() => inspect(thrown, { depth: consoleDepth, budget: maxChars + 1, rawStrings: false }), '(an uninspectable value)', maxChars);
      return { __proto__: null, name: 'Uncaught', message: rendered, stack: `Uncaught ${rendered}` } as CellReport['error'];
    }
    const fields = thrown as { name?: unknown; message?: unknown; stack?: unknown };
    const name = readString(() => fields.name, 'Error', 200);
    const message = readString(() => fields.message, '', maxChars);
    let stack: string | undefined;
    try {
      const raw = fields.stack;
      stack = typeof raw === 'string' ? cut(trimStack(raw), maxChars) : undefined;
    } catch {
      stack = undefined;
    }
    return { __proto__: null, name, message, stack } as CellReport['error'];
  };

  const describeValue = (value: unknown): Pick<CellReport, 'json' | 'text' | 'resultTruncated'> => {
    let json: string | undefined;
    let tooLarge = false;
    try {
      const bounded = toBoundedJson(value, maxChars);
      json = bounded.json;
      tooLarge = bounded.tooLarge;
    } catch {
      // A throwing getter or toJSON: JSON.stringify would throw too; the text still shows the value.
      json = undefined;
    }
    const text = readString(() => inspect(value, { depth: resultDepth, budget: maxChars + 1, rawStrings: false }), '(an uninspectable value)', maxChars + 1);
    return { json, text: cut(text, maxChars), resultTruncated: tooLarge || text.length > maxChars };
  };

  const runCell: RunCell = async (cell, call, hasValue, maxOutputChars) => {
    currentCall = call;
    directWritesLeft = directWrites;
    maxChars = maxOutputChars;
    groupIndent = '';
    for (let index = 0; index < streams.length; index++) streams[index] = { used: 0, truncated: false, buffered: '' };
    let value: unknown;
    try {
      value = await cell();
    } catch (thrown) {
      const failure = report({ ok: false, error: describeError(thrown), resultTruncated: false });
      flush();
      return failure;
    }
    const success = report(hasValue ? { ok: true, ...describeValue(value) } : { ok: true, resultTruncated: false });
    // Last, so the text reaches the host before the report does.
    flush();
    return success;
  };
  return { __proto__: null, runCell, flush } as Runtime;
}

/**
 * The bootstrap script: it evaluates to a function that takes the `emit` Callback and returns
 * the `Runtime`. The parts are composed from their source text, so the same typed, tested functions
 * run in the isolate; the whole runtime is strict code.
 */
export const RUNTIME_SOURCE = `(function (emit) {
'use strict';
return (${installRuntime.toString()})({
  emit,
  inspect: (${createInspect.toString()})(${trimStack.toString()}),
  toBoundedJson: (${createBoundedJson.toString()})(),
  trimStack: ${trimStack.toString()},
  consoleDepth: 2,
  resultDepth: 4,
  directWrites: ${DIRECT_WRITES},
  flushChars: ${FLUSH_CHARS},
});
})`;

/** Validates the runtime's report: it comes from the isolate, where user code could have tampered with it. */
export function parseCellReport(text: unknown, maxChars: number): CellReport | undefined {
  // JSON escaping can grow each field several times over; anything larger is not the runtime's.
  if (typeof text !== 'string' || text.length > 24 * maxChars + 100_000) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const report = parsed as Record<string, unknown>;
  const optionalString = (value: unknown) => value === undefined || typeof value === 'string';
  const flags = ['resultTruncated', 'stdoutTruncated', 'stderrTruncated'].every((key) => typeof report[key] === 'boolean');
  if (typeof report.ok !== 'boolean' || !flags || !optionalString(report.json) || !optionalString(report.text)) return undefined;
  if (report.json !== undefined && (report.json as string).length > maxChars) return undefined;
  if (report.text !== undefined && (report.text as string).length > maxChars) return undefined;
  if (!report.ok) {
    const error = report.error as Record<string, unknown> | undefined;
    if (typeof error !== 'object' || error === null) return undefined;
    if (typeof error.name !== 'string' || typeof error.message !== 'string' || !optionalString(error.stack)) return undefined;
  }
  return report as unknown as CellReport;
}
