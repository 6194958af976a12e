import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { UserError } from '../agent/errors.ts';

/**
 * Where Gantry keeps its data: `$GANTRY_HOME`, else `~/.gantry`. It holds `gantry.db` (sessions,
 * run checkpoints, long-term memory) and `indexes/NAME.db` (one database per document index).
 */
export function gantryHome(env: Readonly<Record<string, string | undefined>> = process.env): string {
  const configured = env.GANTRY_HOME?.trim();
  return configured ? resolve(configured) : join(homedir(), '.gantry');
}

/** The path of the main store under a Gantry home. */
export function mainDatabasePath(home: string): string {
  return join(home, 'gantry.db');
}

/**
 * Opens (creating if needed) a SQLite database tuned for Gantry: WAL, so readers never wait for
 * the writer and a committed transaction survives the process being killed; a busy timeout, so
 * two Gantry processes sharing the file wait for each other instead of failing.
 */
export function openDatabase(file: string): DatabaseSync {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  let db: DatabaseSync;
  try {
    db = new DatabaseSync(file);
  } catch (error) {
    throw new UserError(
      `Cannot open the database ${file}: ${error instanceof Error ? error.message : String(error)}. ` +
        'Check that the folder is writable, or point GANTRY_HOME somewhere else.',
      { cause: error },
    );
  }
  db.exec('PRAGMA busy_timeout = 10000');
  db.exec('PRAGMA journal_mode = WAL');
  // NORMAL in WAL mode loses nothing when the process dies; only an OS crash can drop the last commits.
  db.exec('PRAGMA synchronous = NORMAL');
  db.exec('PRAGMA foreign_keys = ON');
  return db;
}

/**
 * Brings one component's tables up to date. `migrations[i]` is the SQL that moves the component
 * from version i to i + 1; applied ones are remembered in `gantry_schema`, so each runs once.
 * Migrations are append-only: never edit one that has shipped.
 */
export function migrate(db: DatabaseSync, component: string, migrations: readonly string[]): void {
  db.exec('CREATE TABLE IF NOT EXISTS gantry_schema (component TEXT PRIMARY KEY, version INTEGER NOT NULL)');
  transaction(db, () => {
    const row = db.prepare('SELECT version FROM gantry_schema WHERE component = ?').get(component) as { version: number } | undefined;
    const current = row?.version ?? 0;
    if (current > migrations.length) {
      throw new UserError(
        `The ${component} tables were written by a newer Gantry (schema ${current}; this one knows ${migrations.length}). Upgrade Gantry.`,
      );
    }
    for (let version = current; version < migrations.length; version++) db.exec(migrations[version]!);
    if (current !== migrations.length) {
      db.prepare('INSERT INTO gantry_schema (component, version) VALUES (?, ?) ON CONFLICT(component) DO UPDATE SET version = excluded.version')
        .run(component, migrations.length);
    }
  });
}

/**
 * Runs `fn` in one write transaction (`BEGIN IMMEDIATE`, so it takes the write lock up front and
 * never fails half-way on a lock upgrade). Rolls back if `fn` throws. Not reentrant.
 */
export function transaction<T>(db: DatabaseSync, fn: () => T): T {
  db.exec('BEGIN IMMEDIATE');
  try {
    const result = fn();
    db.exec('COMMIT');
    return result;
  } catch (error) {
    if (db.isTransaction) db.exec('ROLLBACK');
    throw error;
  }
}
