import { createHash } from 'node:crypto';
import type { DatabaseSync } from 'node:sqlite';
import { migrate, transaction } from '../memory/database.ts';
import { registerTool } from '../tools/registered-tool.ts';
import type { LoadedPlugin, PluginKind } from './plugin.ts';

/**
 * Trust on first use for plugin tools: the first time a plugin is used, a hash of its tool
 * definitions is recorded in `gantry.db`; when a later load differs (a tool added, removed, or a
 * description or schema rewritten, which is how a compromised plugin would change what the model
 * is told), the change is reported before the tools are used again.
 */

const MIGRATIONS = [
  `CREATE TABLE plugin_fingerprints (
    plugin_key TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    source TEXT NOT NULL,
    name TEXT NOT NULL,
    hash TEXT NOT NULL,
    definitions TEXT NOT NULL,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL
  )`,
];

/** One tool as the model is shown it, before the registry's renaming and marker. */
export interface ToolDefinitionRecord {
  name: string;
  description: string;
  parameters: Record<string, unknown>;
}

/** How a plugin's tools differ from what was recorded, by tool name. */
export interface PluginChange {
  plugin: string;
  kind: PluginKind;
  source: string;
  added: string[];
  removed: string[];
  changed: string[];
}

/** `new`: never recorded; `ok`: as recorded; `changed`: different from what was recorded. */
export type FingerprintState = 'new' | 'ok' | 'changed';

export interface PluginFingerprint {
  /** `kind:source`, the plugin's identity in the table. */
  key: string;
  /** sha256 of the canonical JSON of the definitions, sorted by name. */
  hash: string;
  definitions: ToolDefinitionRecord[];
}

export function pluginFingerprint(plugin: LoadedPlugin): PluginFingerprint {
  const definitions = plugin.tools
    .map((tool) => {
      const { name, description, parameters } = registerTool(tool);
      return { name, description, parameters };
    })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { key: `${plugin.kind}:${plugin.source}`, hash: sha256(canonicalJson(definitions)), definitions };
}

/**
 * Compares each plugin with what was recorded. Plugins seen for the first time are recorded
 * (trust on first use) and unchanged ones get a new `last_seen`; changed ones are returned and
 * left as recorded, so the change is reported again until `acceptFingerprints`. A plugin that
 * failed to load (an error and no tools) is skipped: its tools are not offered anyway.
 */
export function checkFingerprints({ db, plugins, now = new Date() }: { db: DatabaseSync; plugins: readonly LoadedPlugin[]; now?: Date }): PluginChange[] {
  migrate(db, 'plugin-fingerprints', MIGRATIONS);
  const changes: PluginChange[] = [];
  transaction(db, () => {
    for (const plugin of comparable(plugins)) {
      const current = pluginFingerprint(plugin);
      const recorded = readRecord(db, current.key);
      if (recorded === undefined) insertOrUpdate({ db, plugin, fingerprint: current, now });
      else if (recorded.hash === current.hash) touch({ db, key: current.key, now });
      else changes.push(describeChange({ plugin, before: recorded.definitions, after: current.definitions }));
    }
  });
  return changes;
}

/** Records the plugins' current definitions as trusted (after the user accepted a change). */
export function acceptFingerprints({ db, plugins, now = new Date() }: { db: DatabaseSync; plugins: readonly LoadedPlugin[]; now?: Date }): void {
  migrate(db, 'plugin-fingerprints', MIGRATIONS);
  transaction(db, () => {
    for (const plugin of comparable(plugins)) insertOrUpdate({ db, plugin, fingerprint: pluginFingerprint(plugin), now });
  });
}

/** The state of each plugin against the records, without recording anything (for `gantry plugins list`). */
export function fingerprintStates({ db, plugins }: { db: DatabaseSync | undefined; plugins: readonly LoadedPlugin[] }): Map<LoadedPlugin, FingerprintState> {
  if (db !== undefined) migrate(db, 'plugin-fingerprints', MIGRATIONS);
  const states = new Map<LoadedPlugin, FingerprintState>();
  for (const plugin of plugins) {
    const current = pluginFingerprint(plugin);
    const recorded = db === undefined ? undefined : readRecord(db, current.key);
    states.set(plugin, recorded === undefined ? 'new' : recorded.hash === current.hash ? 'ok' : 'changed');
  }
  return states;
}

function comparable(plugins: readonly LoadedPlugin[]): LoadedPlugin[] {
  return plugins.filter((plugin) => plugin.tools.length > 0 || !plugin.problems.some((problem) => problem.severity === 'error'));
}

function readRecord(db: DatabaseSync, key: string): { hash: string; definitions: ToolDefinitionRecord[] } | undefined {
  const row = db.prepare('SELECT hash, definitions FROM plugin_fingerprints WHERE plugin_key = ?').get(key) as { hash: string; definitions: string } | undefined;
  return row === undefined ? undefined : { hash: row.hash, definitions: JSON.parse(row.definitions) as ToolDefinitionRecord[] };
}

function insertOrUpdate({ db, plugin, fingerprint, now }: { db: DatabaseSync; plugin: LoadedPlugin; fingerprint: PluginFingerprint; now: Date }): void {
  const at = now.toISOString();
  db.prepare(
    `INSERT INTO plugin_fingerprints (plugin_key, kind, source, name, hash, definitions, first_seen, last_seen) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT(plugin_key) DO UPDATE SET name = excluded.name, hash = excluded.hash, definitions = excluded.definitions, last_seen = excluded.last_seen`,
  ).run(fingerprint.key, plugin.kind, plugin.source, plugin.name, fingerprint.hash, JSON.stringify(fingerprint.definitions), at, at);
}

function touch({ db, key, now }: { db: DatabaseSync; key: string; now: Date }): void {
  db.prepare('UPDATE plugin_fingerprints SET last_seen = ? WHERE plugin_key = ?').run(now.toISOString(), key);
}

function describeChange({ plugin, before, after }: { plugin: LoadedPlugin; before: ToolDefinitionRecord[]; after: ToolDefinitionRecord[] }): PluginChange {
  const old = new Map(before.map((definition) => [definition.name, sha256(canonicalJson(definition))]));
  const now = new Map(after.map((definition) => [definition.name, sha256(canonicalJson(definition))]));
  return {
    plugin: plugin.name,
    kind: plugin.kind,
    source: plugin.source,
    added: [...now.keys()].filter((name) => !old.has(name)),
    removed: [...old.keys()].filter((name) => !now.has(name)),
    changed: [...now.keys()].filter((name) => old.has(name) && old.get(name) !== now.get(name)),
  };
}

/** JSON with object keys sorted at every level, so equal definitions always hash alike. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) =>
    typeof item === 'object' && item !== null && !Array.isArray(item)
      ? Object.fromEntries(Object.entries(item).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : item,
  );
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
