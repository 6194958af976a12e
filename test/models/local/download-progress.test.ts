import { expect, it } from 'vitest';
import { DownloadProgress, formatBytes, formatDuration } from '../../../src/models/local/download-progress.ts';
import { CapturedStream } from './local-io.ts';

it('draws a bar with bytes, percent, speed and time left on a terminal', () => {
  const stream = new CapturedStream({ isTTY: true });
  let now = 0;
  const progress = new DownloadProgress({ stream, totalBytes: 2_000_000_000, now: () => now });
  now = 10_000;
  progress.update(500_000_000);
  now = 10_050;
  progress.update(600_000_000);
  expect(stream.text).toBe('\r\x1b[2K[######··················] 500 MB / 2.0 GB  25%  50.0 MB/s  ETA 30s');
  progress.finish(2_000_000_000);
  expect(stream.text.endsWith('\r\x1b[2K[########################] 2.0 GB / 2.0 GB  100%  199 MB/s  ETA 0s\n')).toBe(true);
});

it('writes a plain line at every tenth elsewhere', () => {
  const stream = new CapturedStream();
  const progress = new DownloadProgress({ stream, totalBytes: 1000 });
  for (const bytes of [50, 120, 150, 380, 999, 1000]) progress.update(bytes);
  progress.finish(1000);
  expect(stream.text).toBe('Downloaded 10% (120 B of 1.0 kB).\nDownloaded 30% (380 B of 1.0 kB).\nDownloaded 90% (999 B of 1.0 kB).\n');
});

it('formats sizes and durations', () => {
  expect([512, 65_536, 640_000_000, 2_497_280_000].map(formatBytes)).toEqual(['512 B', '65.5 kB', '640 MB', '2.5 GB']);
  expect([Number.POSITIVE_INFINITY, 42, 65, 7380].map(formatDuration)).toEqual(['?', '42s', '1m 05s', '2h 03m']);
});
