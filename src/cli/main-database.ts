import { existsSync } from 'node:fs';
import type { DatabaseSync } from 'node:sqlite';
import { gantryHome, mainDatabasePath, openDatabase } from '../memory/database.ts';

/**
 * Runs `task` with the main database (`$GANTRY_HOME/gantry.db`) and closes it afterwards. When
 * the file does not exist and `create` is not set, `task` gets undefined instead, so a command
 * that only reads never creates a database to report that it is empty.
 */
export function withMainDatabase<T>({
  env,
  create = false,
  task,
}: {
  env: NodeJS.ProcessEnv;
  create?: boolean;
  task: (db: DatabaseSync | undefined, file: string) => T;
}): T {
  const file = mainDatabasePath(gantryHome(env));
  if (!create && !existsSync(file)) return task(undefined, file);
  const db = openDatabase(file);
  try {
    return task(db, file);
  } finally {
    db.close();
  }
}
