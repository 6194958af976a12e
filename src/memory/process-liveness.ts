import { readFileSync } from 'node:fs';

/**
 * True when a process with this id exists and has not exited. A zombie (killed but not yet
 * reaped by its parent) counts as exited: it will never write another checkpoint.
 */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM means the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  return !isZombie(pid);
}

function isZombie(pid: number): boolean {
  try {
    // /proc/PID/stat is "pid (command) state ..."; the command may itself contain spaces or parentheses.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    // Without /proc (macOS, Windows) the signal check above is all there is.
    return false;
  }
}
