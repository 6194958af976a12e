import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { mainDatabasePath } from '../../src/memory/database.ts';
import { LongTermMemory } from '../../src/memory/long-term-memory.ts';
import { gantry } from './cli-harness.ts';

let home: string;
let env: NodeJS.ProcessEnv;
/** 1 June 2025 at 14:03 local time, so printed times do not depend on the time zone. */
const SAVED_AT = new Date(2025, 5, 1, 14, 3);

beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'gantry-memory-'));
  env = { GANTRY_HOME: home };
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(SAVED_AT);
});

afterEach(() => {
  vi.useRealTimers();
  rmSync(home, { recursive: true, force: true });
});

/** Notes 1 and 2 in "default", note 3 in "alice". */
async function seed(): Promise<void> {
  const added = [
    await gantry(['memory', 'add', 'The user lives in Lyon.', '--about', 'home town'], { env }),
    await gantry(['memory', 'add', 'Give distances\nin kilometres.', '--kind', 'feedback', '--about', 'unit conversions'], { env }),
    await gantry(['memory', 'add', 'Alice is vegetarian.', '--namespace', 'alice'], { env }),
  ];
  expect(added).toEqual([
    { code: 0, stdout: 'Saved note 1 in namespace "default".\n', stderr: '' },
    { code: 0, stdout: 'Saved note 2 in namespace "default".\n', stderr: '' },
    { code: 0, stdout: 'Saved note 3 in namespace "alice".\n', stderr: '' },
  ]);
}

function notesIn(namespace: string): string[] {
  const memory = LongTermMemory.open(mainDatabasePath(home));
  try {
    return memory.list(namespace).map((note) => note.content);
  } finally {
    memory.close();
  }
}

describe('gantry memory add and list', () => {
  it('lists nothing without creating a database', async () => {
    expect(await gantry(['memory', 'list'], { env })).toEqual({ code: 0, stdout: 'No notes in namespace "default". Add one with gantry memory add TEXT.\n', stderr: '' });
    expect(await gantry(['memory', 'list', '--all'], { env })).toEqual({ code: 0, stdout: 'No notes saved. Add one with gantry memory add TEXT.\n', stderr: '' });
    expect(await gantry(['memory', 'list', '--json'], { env })).toEqual({ code: 0, stdout: '[]\n', stderr: '' });
    expect(existsSync(mainDatabasePath(home))).toBe(false);
  });

  it('saves notes and lists one namespace or all of them, as a table and as JSON', async () => {
    await seed();
    expect(await gantry(['memory', 'list'], { env })).toEqual({
      code: 0,
      stdout: [
        'ID  KIND      SAVED             NOTE',
        '1   fact      2025-06-01 14:03  The user lives in Lyon. (about: home town)',
        '2   feedback  2025-06-01 14:03  Give distances in kilometres. (about: unit conversions)',
        '',
      ].join('\n'),
      stderr: '',
    });
    expect((await gantry(['memory', 'list', '--all'], { env })).stdout).toBe(
      [
        'ID  NAMESPACE  KIND      SAVED             NOTE',
        '3   alice      fact      2025-06-01 14:03  Alice is vegetarian.',
        '1   default    fact      2025-06-01 14:03  The user lives in Lyon. (about: home town)',
        '2   default    feedback  2025-06-01 14:03  Give distances in kilometres. (about: unit conversions)',
        '',
      ].join('\n'),
    );
    const json = await gantry(['memory', 'list', 'alice', '--json'], { env });
    expect(JSON.parse(json.stdout)).toEqual([{ id: 3, namespace: 'alice', kind: 'fact', content: 'Alice is vegetarian.', createdAt: SAVED_AT.getTime() }]);
  });

  it('rejects bad input as usage errors that say what to do', async () => {
    const badKind = await gantry(['memory', 'add', 'x', '--kind', 'secret'], { env });
    expect(badKind.code).toBe(2);
    expect(badKind.stderr).toContain("argument 'secret' is invalid. Allowed choices are fact, feedback.");
    expect(await gantry(['memory', 'add', '   '], { env })).toEqual({ code: 2, stdout: '', stderr: 'gantry: A memory needs some content.\n' });
    expect(await gantry(['memory', 'add', 'x'.repeat(2001)], { env })).toEqual({
      code: 2,
      stdout: '',
      stderr: 'gantry: A memory holds at most 2000 characters; this one has 2001.\n',
    });
    const badNamespace = await gantry(['memory', 'list', '../etc'], { env });
    expect(badNamespace.code).toBe(2);
    expect(badNamespace.stderr).toContain('Invalid memory namespace "../etc"');
    expect(await gantry(['memory', 'list', 'alice', '--all'], { env })).toEqual({
      code: 2,
      stdout: '',
      stderr: 'gantry: Give a namespace or --all, not both (got "alice" and --all).\n',
    });
    expect(notesIn('default')).toEqual([]);
  });
});

describe('gantry memory search', () => {
  it('finds matching notes of one namespace only, best first', async () => {
    await seed();
    expect(await gantry(['memory', 'search', 'where does the user live?'], { env })).toEqual({
      code: 0,
      stdout: ['ID  KIND  SAVED             NOTE', '1   fact  2025-06-01 14:03  The user lives in Lyon. (about: home town)', ''].join('\n'),
      stderr: '',
    });
    const json = JSON.parse((await gantry(['memory', 'search', 'kilometres for unit conversions', '--k', '1', '--json'], { env })).stdout);
    expect(json).toEqual([
      { id: 2, namespace: 'default', kind: 'feedback', content: 'Give distances\nin kilometres.', about: 'unit conversions', createdAt: SAVED_AT.getTime(), score: expect.any(Number) },
    ]);
    const other = await gantry(['memory', 'search', 'vegetarian'], { env });
    expect(other).toEqual({ code: 0, stdout: '', stderr: 'No notes in namespace "default" match "vegetarian". Try other words, or gantry memory list default.\n' });
    expect((await gantry(['memory', 'search', 'vegetarian', '--namespace', 'alice', '--json'], { env })).stdout).toContain('"Alice is vegetarian."');
  });

  it('rejects an empty query and --k above 50', async () => {
    expect(await gantry(['memory', 'search', ' '], { env })).toEqual({
      code: 2,
      stdout: '',
      stderr: 'gantry: The query is empty: say what to look for, e.g. gantry memory search "units".\n',
    });
    expect(await gantry(['memory', 'search', 'units', '--k', '51'], { env })).toEqual({ code: 2, stdout: '', stderr: 'gantry: --k is at most 50; got 51.\n' });
  });
});

describe('gantry memory remove and clear', () => {
  it('removes one note by id, and rejects an unknown id', async () => {
    await seed();
    expect(await gantry(['memory', 'remove', '3'], { env })).toEqual({ code: 0, stdout: 'Removed note 3.\n', stderr: '' });
    expect(notesIn('alice')).toEqual([]);
    expect(notesIn('default')).toEqual(['The user lives in Lyon.', 'Give distances\nin kilometres.']);
    expect(await gantry(['memory', 'remove', '3'], { env })).toEqual({
      code: 2,
      stdout: '',
      stderr: 'gantry: No note has id 3; gantry memory list --all shows the notes with their ids.\n',
    });
    expect((await gantry(['memory', 'remove', 'abc'], { env })).code).toBe(2);
  });

  it('refuses to clear without --yes, saying how many notes would go, then clears one namespace only', async () => {
    await seed();
    expect(await gantry(['memory', 'clear'], { env })).toEqual({
      code: 2,
      stdout: '',
      stderr: 'gantry: This would delete 2 notes in namespace "default" for good. Run again with --yes to delete them (gantry memory list default shows them).\n',
    });
    expect(notesIn('default')).toHaveLength(2);
    expect(await gantry(['memory', 'clear', '--yes'], { env })).toEqual({ code: 0, stdout: 'Deleted 2 notes from namespace "default".\n', stderr: '' });
    expect(notesIn('default')).toEqual([]);
    expect(notesIn('alice')).toEqual(['Alice is vegetarian.']);
    expect(await gantry(['memory', 'clear', '--namespace', 'default'], { env })).toEqual({
      code: 0,
      stdout: 'No notes in namespace "default"; nothing to delete.\n',
      stderr: '',
    });
    expect(await gantry(['memory', 'clear', '--namespace', 'alice', '--yes'], { env })).toEqual({ code: 0, stdout: 'Deleted 1 note from namespace "alice".\n', stderr: '' });
    expect(notesIn('alice')).toEqual([]);
  });
});
