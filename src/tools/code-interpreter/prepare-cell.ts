/**
 * Turns a cell as the model wrote it into the script a session compiles: TypeScript types are
 * stripped (Node's strip-only mode, which keeps every position), the notebook transform makes
 * top-level declarations outlive the cell, and one line of wrapper comes first.
 */
import { stripTypeScriptTypes } from 'node:module';
import { CellSyntaxError, transformCell } from './notebook-transform.ts';
import type { RunError } from './protocol.ts';

export type Language = 'javascript' | 'typescript';

/**
 * The script for a cell, or why it cannot run. The script's first line declares the cell's
 * top-level names and opens an async function whose body starts on line 2, so compiling it with
 * `lineOffset: -1` gives the cell's own line numbers; it evaluates to the function, uncalled.
 */
export function prepareCell(code: string, language: Language): { source: string; hasValue: boolean } | { error: RunError } {
  let javascript = code;
  if (language === 'typescript') {
    try {
      javascript = stripTypeScriptTypes(code, { mode: 'strip' });
    } catch (error) {
      return { error: typeScriptError(error) };
    }
  }
  try {
    const cell = transformCell(javascript);
    return { source: `${cell.hoisted}(async () => {\n${cell.body}\n})`, hasValue: cell.hasValue };
  } catch (error) {
    if (error instanceof CellSyntaxError) return { error: { kind: 'syntax', name: 'SyntaxError', message: error.message } };
    throw error;
  }
}

/**
 * Node reports where TypeScript failed only in the stack's preamble (":2", source lines, then a
 * line of carets under the error), so the position is read from there and written as the
 * transform writes it: "(line:column)".
 */
function typeScriptError(error: unknown): RunError {
  if (!(error instanceof Error)) throw error;
  const code = (error as { code?: unknown }).code;
  const position = /^:(\d+)\n(?:[^\n]*\n)*?( *)\^+ *\n/.exec(error.stack ?? '');
  const where = position ? ` (${position[1]}:${position[2]?.length ?? 0})` : '';
  if (code === 'ERR_UNSUPPORTED_TYPESCRIPT_SYNTAX') {
    return {
      kind: 'unsupported',
      name: 'SyntaxError',
      message: `${error.message}${where}. TypeScript runs with its types stripped, so syntax that generates code is not supported: write an enum as an object (\`const Color = { Red: 0 } as const\`), a namespace as an object, and parameter properties as assignments in the constructor.`,
    };
  }
  if (code === 'ERR_INVALID_TYPESCRIPT_SYNTAX') return { kind: 'syntax', name: 'SyntaxError', message: `${error.message}${where}` };
  throw error;
}
