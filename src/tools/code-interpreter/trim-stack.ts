/**
 * Trims a V8 stack to what the model wrote: the header ("TypeError: message", which may span
 * several lines) and the frames in its own cells (`at f (cell-3.js:2:7)`). The sandbox's own
 * frames and the host frames isolated-vm appends to errors it copies out are dropped.
 *
 * The function is self-contained (no imports, no outer variables) because the sandbox runtime also
 * runs it inside the isolate, from its source text (see `isolate-runtime.ts`).
 */
export function trimStack(stack: string): string {
  const lines = stack.split('\n');
  let trimmed = '';
  let inFrames = false;
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index] as string;
    const isFrame = /^\s+at /.test(line);
    inFrames = inFrames || isFrame;
    if (!inFrames) {
      trimmed += index === 0 ? line : `\n${line}`;
    } else if (isFrame && /\bcell-\d+\.js:\d+:\d+\)?$/.test(line)) {
      trimmed += `\n${line}`;
    }
  }
  return trimmed;
}
