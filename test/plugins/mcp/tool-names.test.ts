import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ToolNamer } from '../../../src/plugins/mcp/tool-names.ts';

const hash8 = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 8);

describe('ToolNamer', () => {
  it('prefixes the server name and replaces characters models reject', () => {
    const namer = new ToolNamer('git hub');
    expect(namer.nameFor('search')).toBe('git_hub__search');
    expect(namer.nameFor('repos/list.all')).toBe('git_hub__repos_list_all');
  });

  it('gives a name that clashes after sanitising a hash suffix, and keeps every name stable', () => {
    const namer = new ToolNamer('fs');
    expect(namer.nameFor('read.file')).toBe('fs__read_file');
    expect(namer.nameFor('read/file')).toBe(`fs__read_file_${hash8('fs__read/file')}`);
    expect(namer.nameFor('read.file')).toBe('fs__read_file');
  });

  it('cuts names over 64 characters to 55 and appends a hash', () => {
    const long = 'a'.repeat(80);
    const name = new ToolNamer('server').nameFor(long);
    expect(name).toBe(`server__${'a'.repeat(47)}_${hash8(`server__${long}`)}`);
    expect(name.length).toBe(64);
  });
});
