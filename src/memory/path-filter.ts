import { isAbsolute, resolve, sep } from 'node:path';
import { UserError } from '../agent/errors.ts';

/**
 * Compiles a search filter's `path` into a test on absolute paths. Without glob characters it is a
 * prefix on whole path segments (`/docs/api` matches `/docs/api/x.md`, not `/docs/apis.md`);
 * relative prefixes resolve against `cwd`. With `*`, `**` or `?` it is a glob: `*` and `?` stay
 * within one segment, `**` crosses segments, and a relative glob may match at any depth.
 */
export function compilePathFilter({ pattern, cwd = process.cwd() }: { pattern: string; cwd?: string }): (path: string) => boolean {
  const trimmed = pattern.trim();
  if (!trimmed) throw new UserError('filter.path is empty: give a folder prefix such as "/docs/api" or a glob such as "**/*.md".');
  if (!/[*?]/.test(trimmed)) {
    const prefix = resolve(cwd, trimmed);
    const folder = prefix.endsWith(sep) ? prefix : prefix + sep;
    return (path) => path === prefix || path.startsWith(folder);
  }
  const glob = isAbsolute(trimmed) ? trimmed : `**/${trimmed.replace(/^\.\//, '')}`;
  const regex = new RegExp(`^${globToRegexSource(glob)}$`, 'u');
  return (path) => regex.test(path);
}

function globToRegexSource(glob: string): string {
  let source = '';
  for (let index = 0; index < glob.length; index++) {
    const char = glob[index]!;
    if (char === '*' && glob[index + 1] === '*') {
      index++;
      // `**/` also matches no folder at all, so `**/*.md` finds `/root/a.md`.
      if (glob[index + 1] === '/') {
        index++;
        source += '(?:.*/)?';
      } else source += '.*';
    } else if (char === '*') source += '[^/]*';
    else if (char === '?') source += '[^/]';
    else source += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return source;
}
