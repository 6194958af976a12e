import { UserError } from '../agent/errors.ts';
import { calculator } from './calculator/calculator.ts';
import { createCodeInterpreter } from './code-interpreter/code-interpreter.ts';
import { createBrowserTool } from './web/browser/browser-tool.ts';
import { ChromiumRenderer } from './web/browser/chromium-renderer.ts';
import { ChromiumLauncher } from './web/browser/chromium.ts';
import { createWebFetch } from './web/web-fetch.ts';
import { createWebSearch } from './web/web-search.ts';
import type { ToolLike } from './registered-tool.ts';

/**
 * The built-in tools by name. Each entry is a factory so a tool that holds resources (a worker,
 * a browser) is only created when a run asks for it.
 */
let chromium: ChromiumLauncher | undefined;
/** One Chromium for the built-in web tools; it starts on first use and closes when idle. */
const sharedChromium = () => (chromium ??= new ChromiumLauncher());

const BUILTIN_TOOLS: Record<string, () => ToolLike> = {
  calculator: () => calculator,
  code_interpreter: () => createCodeInterpreter(),
  web_search: () => createWebSearch(),
  // Chromium starts only if a page needs JavaScript (or the model asks for render: true).
  web_fetch: () => createWebFetch({ renderer: new ChromiumRenderer({ chromium: sharedChromium() }) }),
  browser: () => createBrowserTool({ chromium: sharedChromium() }),
};

export function builtinToolNames(): string[] {
  return Object.keys(BUILTIN_TOOLS);
}

/** Resolves tool names to built-in tools; an unknown name is a `UserError` listing the known ones. */
export function builtinTools(names: readonly string[] = builtinToolNames()): ToolLike[] {
  return names.map((name) => {
    const create = BUILTIN_TOOLS[name];
    if (!create) {
      throw new UserError(`Unknown built-in tool "${name}". Built-in tools: ${builtinToolNames().join(', ')}.`);
    }
    return create();
  });
}
