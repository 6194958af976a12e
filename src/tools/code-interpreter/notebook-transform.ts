/**
 * Turns one notebook cell of JavaScript into code with Jupyter-like semantics in a persistent V8
 * context: top-level declarations outlive the cell and may be declared again by a later cell,
 * top-level `await` works, and the last expression statement is the cell's value.
 *
 * The cell runs as the body of an async arrow function. Its top-level `let`, `const`, `var` and
 * `class` names become global `var`s (declared by `hoisted`, run first at the context's top level)
 * and their declarations become assignments, so re-running `const x = 1` assigns instead of
 * failing with "Identifier 'x' has already been declared". As in Node's REPL, a `const` can then
 * be re-assigned by a later cell. The output is the user's text with small splices at statement
 * boundaries, never regenerated code, and it keeps every line break where it was so that line N
 * of a stack trace is line N of the cell.
 */
import { parse } from 'acorn';
import type { ClassDeclaration, ExpressionStatement, Pattern, Statement, VariableDeclaration } from 'acorn';

/** What `transformCell` produces; see the module comment for the scheme. */
export interface TransformedCell {
  /** Script text to run at the context's top level BEFORE the body, e.g. "var x, y, C;" (may be ""). No newlines. */
  hoisted: string;
  /** The body of an async function (the caller wraps it as `(async () => {` + body + `\n})()`), line-preserving. */
  body: string;
  /** True when the cell ends with an expression statement whose value the body returns. */
  hasValue: boolean;
}

/**
 * The cell is not valid JavaScript. The message reads like acorn's, with the position at the end:
 * "Unexpected token (2:5)".
 */
export class CellSyntaxError extends Error {
  /** 1-based line in the user's cell. */
  readonly line: number;
  /** 0-based column, as acorn and the message's "(line:column)" count it. */
  readonly column: number;

  constructor(message: string, position: { line: number; column: number }) {
    super(message);
    this.name = new.target.name;
    this.line = position.line;
    this.column = position.column;
  }
}

/** One splice of the original text: `text` replaces `code.slice(start, end)`. */
interface Edit {
  start: number;
  end: number;
  text: string;
}

/**
 * Transforms one cell. Only top-level statements change; everything nested (blocks, loops,
 * functions, `for (let i ...)`) is left as written, so a `var` inside a top-level block stays
 * local to the cell.
 *
 * - `let`/`const`/`var` declarations become `void (a = 1, {b} = o);`. A `let x;` without an
 *   initializer assigns `undefined`, as a fresh declaration would; a `var x;` without one keeps
 *   the current value, as re-declaring a `var` does.
 * - `class C {}` becomes `void (C = class C {});`, so it is not hoisted, just as a class is not.
 * - Function declarations stay in place (so they hoist within the cell) and are published with
 *   `globalThis.f = f;` at the start of the body. A later plain assignment `f = 1` in the same
 *   cell only changes the cell's own binding; a `var f = 1` beside `function f` is published too.
 * - The last top-level statement, when it is an expression statement, becomes `return (expr);`.
 *
 * @throws CellSyntaxError when the cell does not parse, with a clearer message for `import` and
 *   `export` declarations and top-level `using` declarations.
 */
export function transformCell(code: string): TransformedCell {
  const statements = parseCell(code);
  const lastIndex = statements.findLastIndex((statement) => statement.type !== 'EmptyStatement');
  if (lastIndex === -1) return { hoisted: '', body: '', hasValue: false };

  const functionNames = uniqueNames(
    statements.flatMap((statement) => (statement.type === 'FunctionDeclaration' ? [statement.id.name] : [])),
  );
  const hoistedNames = new Set<string>();
  const edits: Edit[] = [];

  const prefix = functionNames.map((name) => `globalThis.${name} = ${name};`).join(' ');
  const prologue = directivePrologueEnd({ code, statements });
  if (prefix !== '') edits.push({ start: prologue.end, end: prologue.end, text: prologue.needsSemicolon ? `;${prefix}` : prefix });
  // A hashbang line is a comment only at the very start of a script; inside a function it is not.
  if (code.startsWith('#!')) edits.push({ start: 0, end: 2, text: '//' });

  for (const statement of statements) {
    if (statement.type === 'VariableDeclaration' && isPersistentKind(statement.kind)) {
      edits.push(...declarationEdits({ code, declaration: statement, functionNames, hoistedNames }));
    } else if (statement.type === 'ClassDeclaration') {
      edits.push(...classEdits({ code, declaration: statement, hoistedNames }));
    }
  }

  const last = statements[lastIndex];
  const hasValue = last?.type === 'ExpressionStatement';
  if (hasValue) edits.push(...returnEdits({ code, statement: last }));

  return {
    hoisted: hoistedNames.size === 0 ? '' : `var ${[...hoistedNames].join(', ')};`,
    body: applyEdits({ code, edits }),
    hasValue,
  };
}

function parseCell(code: string): Statement[] {
  try {
    const program = parse(code, {
      ecmaVersion: 'latest',
      sourceType: 'script',
      allowAwaitOutsideFunction: true,
      allowReturnOutsideFunction: false,
      locations: true,
    });
    // Script mode never yields module declarations: acorn rejects them, as handled below.
    return program.body as Statement[];
  } catch (error) {
    throw toCellSyntaxError({ code, error });
  }
}

const MODULE_SYNTAX_MESSAGES = [
  "'import' and 'export' may appear only with 'sourceType: module'",
  "'import' and 'export' may only appear at the top level",
];

const TOP_LEVEL_USING_MESSAGE = 'Using declaration cannot appear in the top level';

/** Acorn throws SyntaxErrors with `pos` and `loc`; anything else is a bug and passes through. */
function toCellSyntaxError({ code, error }: { code: string; error: unknown }): unknown {
  if (!(error instanceof SyntaxError)) return error;
  const { loc, pos } = error as SyntaxError & { loc?: unknown; pos?: unknown };
  if (!isPosition(loc) || typeof pos !== 'number') return error;
  const where = ` (${loc.line}:${loc.column})`;
  const { message } = error;
  if (MODULE_SYNTAX_MESSAGES.some((known) => message.startsWith(known))) {
    const explanation = code.startsWith('import', pos)
      ? 'import declarations are not available in the sandbox: there are no modules to import'
      : 'export declarations are not available in the sandbox: a cell is a script, not a module, and its top-level declarations are already visible to later cells';
    return new CellSyntaxError(explanation + where, loc);
  }
  if (message.startsWith(TOP_LEVEL_USING_MESSAGE)) {
    return new CellSyntaxError(
      `using declarations cannot appear at the top level of a cell, whose declarations outlive it; put them in a block: { using x = ...; }${where}`,
      loc,
    );
  }
  return new CellSyntaxError(message, loc);
}

function isPosition(value: unknown): value is { line: number; column: number } {
  return typeof value === 'object' && value !== null && typeof (value as { line?: unknown }).line === 'number'
    && typeof (value as { column?: unknown }).column === 'number';
}

/** `using` declarations are disposed when their scope ends, so they cannot outlive the cell. */
function isPersistentKind(kind: VariableDeclaration['kind']): boolean {
  return kind === 'var' || kind === 'let' || kind === 'const';
}

/** `const a = 1, {b} = o;` → `void (a = 1, {b} = o);`, keeping comments and line breaks. */
function declarationEdits({
  code,
  declaration,
  functionNames,
  hoistedNames,
}: {
  code: string;
  declaration: VariableDeclaration;
  functionNames: readonly string[];
  hoistedNames: Set<string>;
}): Edit[] {
  const keywordEnd = declaration.start + declaration.kind.length;
  if (code.slice(declaration.start, keywordEnd) !== declaration.kind) {
    throw new Error(`notebook-transform: expected "${declaration.kind}" at offset ${declaration.start}`);
  }
  // Spaces after the keyword go too (`const a` → `void (a`); line breaks and comments stay.
  const replaceEnd = keywordEnd + (/^[ \t]*/.exec(code.slice(keywordEnd, declaration.end))?.[0].length ?? 0);
  const edits: Edit[] = [{ start: declaration.start, end: replaceEnd, text: 'void (' }];
  const boundNames: string[] = [];
  for (const declarator of declaration.declarations) {
    const names = patternNames(declarator.id);
    boundNames.push(...names);
    if (declarator.init) continue;
    // Only a plain identifier can lack an initializer.
    const text = declaration.kind === 'var' ? 'void 0' : `${code.slice(declarator.id.start, declarator.id.end)} = void 0`;
    edits.push({ start: declarator.id.start, end: declarator.id.end, text });
  }
  for (const name of boundNames) hoistedNames.add(name);

  // The cell's own function binding shadows the global one, so a `var` beside it must publish too.
  const published = uniqueNames(boundNames.filter((name) => functionNames.includes(name)));
  const publish = published.map((name) => `, globalThis.${name} = ${name}`).join('');
  const lastDeclarator = declaration.declarations[declaration.declarations.length - 1];
  const closeAt = lastDeclarator?.end ?? keywordEnd;
  edits.push({ start: closeAt, end: closeAt, text: `${publish})${endsWithSemicolon(code, declaration) ? '' : ';'}` });
  return edits;
}

/** `class C {}` → `void (C = class C {});`. */
function classEdits({
  code,
  declaration,
  hoistedNames,
}: {
  code: string;
  declaration: ClassDeclaration;
  hoistedNames: Set<string>;
}): Edit[] {
  const name = declaration.id.name;
  hoistedNames.add(name);
  return [
    { start: declaration.start, end: declaration.start, text: `void (${name} = ` },
    { start: declaration.end, end: declaration.end, text: endsWithSemicolon(code, declaration) ? ')' : ');' },
  ];
}

/**
 * `expr;` → `return (expr);`. The parentheses go around the whole statement text, so an
 * expression that is itself parenthesized, such as `({a: 1})`, stays intact.
 */
function returnEdits({ code, statement }: { code: string; statement: ExpressionStatement }): Edit[] {
  const hasSemicolon = endsWithSemicolon(code, statement);
  const closeAt = hasSemicolon ? statement.end - 1 : statement.end;
  return [
    { start: statement.start, end: statement.start, text: 'return (' },
    { start: closeAt, end: closeAt, text: hasSemicolon ? ')' : ');' },
  ];
}

/**
 * Where the prefix goes: after a leading "use strict" (or any directive) so that the directive
 * keeps its meaning. Inserting text without line breaks there keeps every line number; a
 * directive that relied on automatic semicolon insertion needs its semicolon written out.
 */
function directivePrologueEnd({ code, statements }: { code: string; statements: readonly Statement[] }): {
  end: number;
  needsSemicolon: boolean;
} {
  let last: ExpressionStatement | undefined;
  for (const statement of statements) {
    if (statement.type !== 'ExpressionStatement' || statement.directive === undefined) break;
    last = statement;
  }
  return last === undefined ? { end: 0, needsSemicolon: false } : { end: last.end, needsSemicolon: !endsWithSemicolon(code, last) };
}

/** Adding a semicolon after a rewritten statement keeps the next line from continuing it. */
function endsWithSemicolon(code: string, node: { end: number }): boolean {
  return code[node.end - 1] === ';';
}

/** The names a binding pattern declares, in source order. */
function patternNames(pattern: Pattern): string[] {
  switch (pattern.type) {
    case 'Identifier':
      return [pattern.name];
    case 'ObjectPattern':
      return pattern.properties.flatMap((property) =>
        property.type === 'RestElement' ? patternNames(property.argument) : patternNames(property.value),
      );
    case 'ArrayPattern':
      return pattern.elements.flatMap((element) => (element ? patternNames(element) : []));
    case 'RestElement':
      return patternNames(pattern.argument);
    case 'AssignmentPattern':
      return patternNames(pattern.left);
    case 'MemberExpression':
      // Only valid in assignments, never in a declaration.
      return [];
  }
}

/** Applies non-overlapping edits; edits at the same offset apply in the order given. */
function applyEdits({ code, edits }: { code: string; edits: readonly Edit[] }): string {
  const ordered = edits
    .map((edit, index) => ({ edit, index }))
    .sort((a, b) => a.edit.start - b.edit.start || a.index - b.index)
    .map(({ edit }) => edit);
  let output = '';
  let cursor = 0;
  for (const edit of ordered) {
    if (edit.start < cursor) throw new Error(`notebook-transform: overlapping edits at offset ${edit.start}`);
    output += code.slice(cursor, edit.start) + edit.text;
    cursor = edit.end;
  }
  return output + code.slice(cursor);
}

function uniqueNames(names: readonly string[]): string[] {
  return [...new Set(names)];
}
