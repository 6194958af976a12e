import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { CellSyntaxError, transformCell } from '../../../src/tools/code-interpreter/notebook-transform.ts';

interface CellRun {
  hasValue: boolean;
  value: unknown;
}

/**
 * Runs cells in one persistent context the way the sandbox worker does: the hoisted script at the
 * top level, then the body inside an async arrow function, as `cell-N.js`.
 */
function createNotebook(globals: Record<string, unknown> = {}) {
  const context = vm.createContext({ ...globals });
  let count = 0;
  return {
    context,
    async run(code: string): Promise<CellRun> {
      count += 1;
      const { hoisted, body, hasValue } = transformCell(code);
      const filename = `cell-${count}.js`;
      vm.runInContext(hoisted, context, { filename: `${filename}#hoisted` });
      const value: unknown = await vm.runInContext(`(async () => {${body}\n})()`, context, { filename });
      return { hasValue, value };
    },
  };
}

async function runCells(cells: readonly string[]): Promise<CellRun[]> {
  const notebook = createNotebook();
  const runs: CellRun[] = [];
  for (const cell of cells) runs.push(await notebook.run(cell));
  return runs;
}

async function lastValue(cells: readonly string[]): Promise<unknown> {
  const runs = await runCells(cells);
  return runs.at(-1)?.value;
}

function syntaxErrorOf(code: string): CellSyntaxError {
  try {
    transformCell(code);
  } catch (error) {
    if (error instanceof CellSyntaxError) return error;
    throw error;
  }
  throw new Error(`expected a CellSyntaxError for ${JSON.stringify(code)}`);
}

async function stackOf(code: string): Promise<string> {
  const notebook = createNotebook();
  try {
    await notebook.run(code);
  } catch (error) {
    return (error as Error).stack ?? '';
  }
  throw new Error('expected the cell to throw');
}

describe('transformCell output', () => {
  it('turns top-level let, const and var into assignments to hoisted vars', () => {
    expect(transformCell('const a = 1, b = 2;')).toEqual({ hoisted: 'var a, b;', body: 'void (a = 1, b = 2);', hasValue: false });
    expect(transformCell('let s = "x"\nvar t = s')).toEqual({
      hoisted: 'var s, t;',
      body: 'void (s = "x");\nvoid (t = s);',
      hasValue: false,
    });
  });

  it('hoists every name bound by a destructuring pattern, once', () => {
    expect(transformCell('const {a, b: [c, ...d], e = 1, ...rest} = o;\nlet [a2, , [f] = []] = p;')).toEqual({
      hoisted: 'var a, c, d, e, rest, a2, f;',
      body: 'void ({a, b: [c, ...d], e = 1, ...rest} = o);\nvoid ([a2, , [f] = []] = p);',
      hasValue: false,
    });
    expect(transformCell('var k = 1;\nvar [k, j] = [2, 3];').hoisted).toBe('var k, j;');
  });

  it('assigns undefined for a let without initializer and leaves a bare var alone', () => {
    expect(transformCell('let x;')).toEqual({ hoisted: 'var x;', body: 'void (x = void 0);', hasValue: false });
    expect(transformCell('var y, z = 1;')).toEqual({ hoisted: 'var y, z;', body: 'void (void 0, z = 1);', hasValue: false });
  });

  it('turns a class declaration into an assignment of a class expression', () => {
    expect(transformCell('class C extends Base {\n  m() {}\n}')).toEqual({
      hoisted: 'var C;',
      body: 'void (C = class C extends Base {\n  m() {}\n});',
      hasValue: false,
    });
  });

  it('keeps function declarations in place and publishes them on line 1', () => {
    const code = 'f();\nasync function f() {}\nfunction* g() {}';
    expect(transformCell(code)).toEqual({ hoisted: '', body: `globalThis.f = f; globalThis.g = g;${code}`, hasValue: false });
  });

  it('returns the last expression statement, parenthesized as written', () => {
    expect(transformCell('1 + 1')).toEqual({ hoisted: '', body: 'return (1 + 1);', hasValue: true });
    expect(transformCell('({a: 1});')).toEqual({ hoisted: '', body: 'return (({a: 1}));', hasValue: true });
    expect(transformCell('x = 1, y')).toEqual({ hoisted: '', body: 'return (x = 1, y);', hasValue: true });
    expect(transformCell('await fetchIt() // why\n// done\n')).toEqual({
      hoisted: '',
      body: 'return (await fetchIt()); // why\n// done\n',
      hasValue: true,
    });
    expect(transformCell('x;;').body).toBe('return (x);;');
  });

  it('reports no value when the cell ends with a declaration or a statement', () => {
    for (const code of ['const x = 5', 'class K {}', 'function f() {}', 'for (;;) break;', 'if (a) { 1 }', '{ 2 }', 'x = 1;\nlet y = 2']) {
      expect(transformCell(code).hasValue, code).toBe(false);
    }
  });

  it('leaves nested declarations, loops, labels and strings untouched', () => {
    const code = [
      'if (ok) { var inner = 1; let block = 2; }',
      'function g() { var local = 1; const c = 2; return local + c; }',
      'for (let i = 0; i < 3; i++) {}',
      'outer: for (const a of b) { break outer; }',
      'log("const x = 1; let y; class Z {}")',
    ].join('\n');
    expect(transformCell(code)).toEqual({ hoisted: '', body: `globalThis.g = g;${code.replace('log(', 'return (log(').concat(');')}`, hasValue: true });
  });

  it('leaves a dynamic import alone', () => {
    expect(transformCell('import("fs")')).toEqual({ hoisted: '', body: 'return (import("fs"));', hasValue: true });
  });

  it('gives an empty body for empty and comment-only cells', () => {
    expect(transformCell('')).toEqual({ hoisted: '', body: '', hasValue: false });
    expect(transformCell('  \n')).toEqual({ hoisted: '', body: '', hasValue: false });
    expect(transformCell('// a note\n/* and\n another */')).toEqual({ hoisted: '', body: '', hasValue: false });
  });

  it('keeps a directive prologue first and turns a hashbang into a comment', () => {
    expect(transformCell('"use strict"\nfunction f() {}').body).toBe('"use strict";globalThis.f = f;\nfunction f() {}');
    expect(transformCell('#!/usr/bin/env node\n1').body).toBe('///usr/bin/env node\nreturn (1);');
  });

  it('keeps every line on its line', () => {
    const cells = [
      'const {\n  a,\n  b\n} = o\nlet x\n\nx',
      'function f() {\n}\nclass C\n{\n}\nvar v = 1,\n  w = 2\n;\nf(\n)',
      'let /* a\ncomment */ q = 1\r\nq',
      'await Promise.all([\n  1,\n])\n\n// tail\n',
    ];
    for (const code of cells) {
      const { body } = transformCell(code);
      expect(body.split(/\r\n|\n/).length, code).toBe(code.split(/\r\n|\n/).length);
    }
  });
});

describe('transformCell run in a persistent context', () => {
  it('lets later cells see let, const, var, function, class and destructured names', async () => {
    const value = await lastValue([
      'let a = 1;\nconst {b, c: [d, ...e]} = {b: 2, c: [3, 4, 5]};\nvar v = "v";',
      'function f() { return a + b; }\nclass C { get n() { return d; } }',
      '[a, b, d, e, v, f(), new C().n]',
    ]);
    expect(value).toEqual([1, 2, 3, [4, 5], 'v', 3, 3]);
  });

  it('lets a cell that declares a const run again, and a later cell re-declare the name', async () => {
    const runs = await runCells(['const x = 1;', 'const x = 1;', 'let x = 2; x', 'class x {}', 'function x() { return "fn"; }', 'x()']);
    expect(runs.map((run) => run.value)).toEqual([undefined, undefined, 2, undefined, undefined, 'fn']);
  });

  it('re-declares a class in a later cell', async () => {
    expect(await lastValue(['class K { v() { return 1; } }', 'class K { v() { return 2; } }', 'new K().v()'])).toBe(2);
  });

  it('resets a name on let without initializer and keeps it on a bare var', async () => {
    expect(await lastValue(['let x = 1;', 'let x;', 'x'])).toBeUndefined();
    expect(await lastValue(['var y = 1;', 'var y;', 'y'])).toBe(1);
  });

  it('runs top-level await and returns its value', async () => {
    expect(await runCells(['const r = await Promise.resolve(41);\nr + 1'])).toEqual([{ hasValue: true, value: 42 }]);
    expect(await lastValue(['await new Promise((resolve) => resolve("done"))'])).toBe('done');
  });

  it('returns the last expression value', async () => {
    const runs = await runCells(['1 + 1', '({a: 1})', '(1, "two")', 'let x = 7;\nx // the answer\n', '"text";;']);
    expect(runs).toEqual([
      { hasValue: true, value: 2 },
      { hasValue: true, value: { a: 1 } },
      { hasValue: true, value: 'two' },
      { hasValue: true, value: 7 },
      { hasValue: true, value: 'text' },
    ]);
  });

  it('has no value after a declaration, a loop or an if', async () => {
    const runs = await runCells(['const x = 5', 'let n = 0;\nfor (let i = 0; i < 3; i++) { n += i; }', 'if (n > 0) { n }', 'class K {}']);
    expect(runs).toEqual([
      { hasValue: false, value: undefined },
      { hasValue: false, value: undefined },
      { hasValue: false, value: undefined },
      { hasValue: false, value: undefined },
    ]);
  });

  it('hoists a function within its cell', async () => {
    expect(await lastValue(['const early = f();\nfunction f() { return "hoisted"; }', '[early, f()]'])).toEqual(['hoisted', 'hoisted']);
  });

  it('keeps the var value when a var and a function share a name, as JavaScript does', async () => {
    expect(await lastValue(['function f() {}\nvar f = 2;', 'f'])).toBe(2);
  });

  it('keeps loop variables and function-local declarations inside the cell', async () => {
    const value = await lastValue([
      'let total = 0;\nfor (let i = 0; i < 4; i++) { total += i; }\nfunction g() { var local = 1; return local; }\ng()',
      '[total, typeof i, typeof local]',
    ]);
    expect(value).toEqual([6, 'undefined', 'undefined']);
  });

  it('keeps a var inside a top-level block local to its cell', async () => {
    expect(await lastValue(['if (true) { var inner = 1; }', 'typeof inner'])).toBe('undefined');
  });

  it('runs labels and strings that contain keywords as written', async () => {
    const value = await lastValue([
      'const seen = [];\nouter: for (const a of [1, 2, 3]) { for (const b of [1]) { if (a === 2) break outer; seen.push(a + b); } }',
      'const s = "const x = 1; let y;";\n[seen, s]',
    ]);
    expect(value).toEqual([[2], 'const x = 1; let y;']);
  });

  it('does not let the next line continue a rewritten declaration', async () => {
    expect(await runCells(['let called = false;\nconst g = () => { called = true; }\n[1].length', 'called'])).toEqual([
      { hasValue: true, value: 1 },
      { hasValue: true, value: false },
    ]);
    expect(await lastValue(['class K {}\n[1, 2].length'])).toBe(2);
  });

  it('keeps a "use strict" directive in effect', async () => {
    expect(await lastValue(['"use strict"\nfunction self() { return this; }\nself()'])).toBeUndefined();
    expect(await lastValue(['function self() { return this; }\nself() === globalThis'])).toBe(true);
  });

  it('reports the user line of an error in the stack', async () => {
    const stack = await stackOf('const a = 1;\nlet b = 2;\nthrow new Error("line three");');
    expect(stack).toContain('Error: line three');
    expect(stack).toContain('cell-1.js:3:');
  });

  it('reports the user line inside functions, after awaits and on line 1 with a prefix', async () => {
    const inFunction = await stackOf('function f() { return g(); }\nawait null;\nconst {\n  x = f(),\n} = {};\nfunction g() {\n  throw new Error("deep");\n}');
    expect(inFunction).toContain('cell-1.js:7:');
    expect(inFunction).toContain('cell-1.js:1:');
    expect(inFunction).toContain('cell-1.js:4:');
    const firstLine = await stackOf('function h() {} throw new Error("first");');
    expect(firstLine).toContain('cell-1.js:1:');
  });
});

describe('CellSyntaxError', () => {
  it('carries the line and column of the user code', () => {
    const error = syntaxErrorOf('let a = 1;\nlet b = ;');
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('CellSyntaxError');
    expect({ message: error.message, line: error.line, column: error.column }).toEqual({
      message: 'Unexpected token (2:8)',
      line: 2,
      column: 8,
    });
  });

  it('keeps plain JavaScript errors within one cell', () => {
    expect(() => transformCell('let x = 1; let x = 2;')).toThrowErrorMatchingInlineSnapshot(
      `[CellSyntaxError: Identifier 'x' has already been declared (1:15)]`,
    );
    expect(() => transformCell('return 1')).toThrowErrorMatchingInlineSnapshot(`[CellSyntaxError: 'return' outside of function (1:0)]`);
    expect(() => transformCell('x = 1;\ns = "open')).toThrowErrorMatchingInlineSnapshot(`[CellSyntaxError: Unterminated string constant (2:4)]`);
  });

  it('explains that there are no modules to import', () => {
    expect(() => transformCell('import fs from "fs";')).toThrowErrorMatchingInlineSnapshot(
      `[CellSyntaxError: import declarations are not available in the sandbox: there are no modules to import (1:0)]`,
    );
    expect(() => transformCell('const a = 1;\nimport { b } from "./b.js";')).toThrowErrorMatchingInlineSnapshot(
      `[CellSyntaxError: import declarations are not available in the sandbox: there are no modules to import (2:0)]`,
    );
    expect(() => transformCell('if (a) {\n  import "side-effect";\n}')).toThrowErrorMatchingInlineSnapshot(
      `[CellSyntaxError: import declarations are not available in the sandbox: there are no modules to import (2:2)]`,
    );
  });

  it('explains that exports are not needed', () => {
    expect(() => transformCell('export const a = 1;')).toThrowErrorMatchingInlineSnapshot(
      `[CellSyntaxError: export declarations are not available in the sandbox: a cell is a script, not a module, and its top-level declarations are already visible to later cells (1:0)]`,
    );
    expect(syntaxErrorOf('\n\nexport default 1')).toMatchObject({ line: 3, column: 0 });
  });

  it('explains where a using declaration can go', () => {
    expect(() => transformCell('using r = open();')).toThrowErrorMatchingInlineSnapshot(
      `[CellSyntaxError: using declarations cannot appear at the top level of a cell, whose declarations outlive it; put them in a block: { using x = ...; } (1:0)]`,
    );
  });
});
