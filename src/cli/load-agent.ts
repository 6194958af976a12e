import { existsSync, readdirSync } from 'node:fs';
import { dirname, extname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { UserError } from '../agent/errors.ts';
import { isAgentDefinition, type AgentDefinition } from '../agent/definition.ts';

/** The folder of the example agents that ship with Gantry (compiled ones when running from dist). */
function examplesDir(): string {
  const here = fileURLToPath(import.meta.url);
  // src/cli/load-agent.ts → examples/; dist/src/cli/load-agent.js → dist/examples/.
  return resolve(dirname(here), '..', '..', 'examples');
}

const moduleExtension = extname(fileURLToPath(import.meta.url));

export function exampleNames(): string[] {
  const dir = examplesDir();
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((file) => file.endsWith(moduleExtension) && !file.endsWith(`.d${moduleExtension}`))
    .map((file) => file.slice(0, -moduleExtension.length))
    .sort();
}

/**
 * Loads an agent by example name (`math`) or from a module path (`./agents/helper.ts`) whose
 * default export, or export named `agent`, is an `AgentDefinition`.
 */
export async function loadAgentDefinition(nameOrPath: string): Promise<AgentDefinition> {
  const looksLikePath = nameOrPath.includes('/') || nameOrPath.includes('\\') || /\.[cm]?[jt]s$/.test(nameOrPath);
  const file = looksLikePath
    ? isAbsolute(nameOrPath) ? nameOrPath : resolve(process.cwd(), nameOrPath)
    : join(examplesDir(), `${nameOrPath}${moduleExtension}`);
  if (!existsSync(file)) {
    const known = exampleNames();
    throw new UserError(
      looksLikePath
        ? `Agent module not found: ${file}`
        : `Unknown agent "${nameOrPath}". Example agents: ${known.join(', ') || '(none found)'}; or pass a path to a module.`,
    );
  }
  let loaded: Record<string, unknown>;
  try {
    loaded = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (error) {
    throw new UserError(`Could not load agent module ${file}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  const definition = loaded.default ?? loaded.agent;
  if (!isAgentDefinition(definition)) {
    throw new UserError(
      `${file} does not export an agent definition. Export one as default: ` +
        'export default defineAgent({ name, description, instructions, tools }).',
    );
  }
  return definition;
}
