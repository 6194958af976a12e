/**
 * The sandbox worker process: hosts one isolated-vm isolate per session and answers the host's
 * requests (`protocol.ts`). The pool starts it with `fork(file, [], { execArgv:
 * ['--no-node-snapshot'], serialization: 'json' })`; it says `ready`, then serves `run`,
 * `dispose` and `stats`, and exits when the host goes away. Calls to one session run one after
 * another; calls to different sessions overlap (each isolate runs on isolated-vm's threads).
 * Bad requests and failures of its own come back as a result with an error, never as a crash.
 */
import { writeSync } from 'node:fs';
import { IsolateSession } from './isolate-session.ts';
import type { HostToWorker, RunError, RunOutcome, WorkerToHost } from './protocol.ts';

if (!process.send) {
  throw new Error('code-interpreter/sandbox-worker runs as a child process: start it with fork(), do not import it.');
}

/** isolated-vm's smallest heap limit. */
const MIN_MEMORY_MB = 8;

type RunRequest = Extract<HostToWorker, { type: 'run' }>;

const sessions = new Map<string, IsolateSession>();
/** The last call queued for each session; a session's calls run in order. */
const queues = new Map<string, Promise<unknown>>();

process.on('message', (message: unknown) => {
  try {
    handle(message);
  } catch (error) {
    answerWithError(message, describe(error));
  }
});

// The host exited or closed the channel: no one is left to answer.
process.on('disconnect', shutDown);

// A failure of this process's own code must not take every session down with it; the host's
// backstop (killing a worker that does not answer in time) covers a request left unanswered.
process.on('uncaughtException', (error) => log(`unexpected error: ${error.stack ?? error.message}`));
process.on('unhandledRejection', (reason) => log(`unexpected rejection: ${describe(reason)}`));

send({ type: 'ready' });

function handle(message: unknown): void {
  const request = parseRequest(message);
  if (typeof request === 'string') {
    answerWithError(message, request);
    return;
  }
  switch (request.type) {
    case 'run':
      enqueue(request.session, () => run(request)).then(
        (outcome) => send({ type: 'result', id: request.id, outcome }),
        (error: unknown) => send({ type: 'result', id: request.id, outcome: errorOutcome(describe(error)) }),
      );
      return;
    case 'dispose': {
      // Immediate, not queued: disposing is how the host stops a call that is still running.
      const session = sessions.get(request.session);
      session?.dispose();
      sessions.delete(request.session);
      send({ type: 'disposed', id: request.id, existed: session !== undefined });
      return;
    }
    case 'stats':
      send(stats(request.id));
      return;
  }
}

async function run(request: RunRequest): Promise<RunOutcome> {
  let session = sessions.get(request.session);
  if (!session?.alive) {
    const id = request.session;
    const created: IsolateSession = new IsolateSession({
      memoryMb: request.limits.memoryMb,
      onCatastrophicError: (message) => endAfterCatastrophe({ session: id, overMemoryLimit: created.overMemoryLimit, message }),
    });
    session = created;
    sessions.set(request.session, session);
  }
  const outcome = await session.run(request);
  // A timeout or the memory limit ended the isolate: the session's next call starts afresh.
  if (!session.alive && sessions.get(request.session) === session) sessions.delete(request.session);
  return outcome;
}

function enqueue<T>(session: string, task: () => Promise<T>): Promise<T> {
  const next = (queues.get(session) ?? Promise.resolve()).then(task);
  const tail = next.then(
    () => undefined,
    () => undefined,
  );
  queues.set(session, tail);
  void tail.then(() => {
    if (queues.get(session) === tail) queues.delete(session);
  });
  return next;
}

function stats(id: number): WorkerToHost {
  const sessionHeapBytes = Object.fromEntries(
    [...sessions].map(([session, isolate]) => {
      try {
        return [session, isolate.heapBytes()];
      } catch {
        return [session, 0];
      }
    }),
  );
  const memory = process.memoryUsage();
  return { type: 'stats', id, sessions: sessions.size, heapUsedBytes: memory.heapUsed, rssBytes: memory.rss, sessionHeapBytes };
}

/**
 * isolated-vm could not stop an isolate's thread (e.g. a built-in that ignores termination, such
 * as filling a huge sparse array): it suspends the thread, and the process must end. `exit` would
 * wait for that thread forever, so the process kills itself; the pool reports the lost sessions
 * and starts a new worker. "out of memory" in the log tells the pool which limit was involved.
 */
function endAfterCatastrophe({ session, overMemoryLimit, message }: { session: string; overMemoryLimit: boolean; message: string }): void {
  const cause = overMemoryLimit ? ' after the code ran out of memory' : '';
  log(`isolated-vm could not stop the code of session ${JSON.stringify(session)} (${message})${cause}; the process ends.`);
  process.kill(process.pid, 'SIGKILL');
}

function shutDown(): void {
  const busy = queues.size > 0 || IsolateSession.abandonedCalls > 0;
  for (const session of sessions.values()) session.dispose();
  // Exiting while an isolate's thread still runs (or cannot be stopped) waits forever or crashes.
  if (busy) process.kill(process.pid, 'SIGKILL');
  else process.exit(0);
}

/** The request, or what is wrong with it. */
function parseRequest(message: unknown): HostToWorker | string {
  if (typeof message !== 'object' || message === null) return 'the request is not an object';
  const request = message as Record<string, unknown>;
  if (!Number.isSafeInteger(request.id)) return 'the request has no integer "id"';
  if (request.type !== 'run' && request.type !== 'dispose' && request.type !== 'stats') return `unknown request type ${JSON.stringify(request.type)}`;
  if (request.type === 'stats') return request as unknown as HostToWorker;
  if (typeof request.session !== 'string') return `"session" must be a string, got ${typeof request.session}`;
  if (request.type === 'dispose') return request as unknown as HostToWorker;
  if (typeof request.code !== 'string') return `"code" must be a string, got ${typeof request.code}`;
  if (request.language !== 'javascript' && request.language !== 'typescript') {
    return `"language" must be "javascript" or "typescript", got ${JSON.stringify(request.language)}`;
  }
  const limits = request.limits as Record<string, unknown> | null;
  if (typeof limits !== 'object' || limits === null) return '"limits" must be an object';
  for (const [key, minimum] of [['timeoutMs', 1], ['memoryMb', MIN_MEMORY_MB], ['maxOutputChars', 1]] as const) {
    const value = limits[key];
    if (typeof value !== 'number' || !Number.isFinite(value) || value < minimum) {
      return `"limits.${key}" must be a number of at least ${minimum}, got ${JSON.stringify(value)}`;
    }
  }
  return request as unknown as RunRequest;
}

/** Answers a request this process could not serve, when it has an id to answer to. */
function answerWithError(message: unknown, problem: string): void {
  const id = typeof message === 'object' && message !== null ? (message as { id?: unknown }).id : undefined;
  if (Number.isSafeInteger(id)) send({ type: 'result', id: id as number, outcome: errorOutcome(problem) });
  else log(`ignored a request without an id: ${problem}`);
}

function errorOutcome(problem: string): RunOutcome {
  const error: RunError = { kind: 'runtime', name: 'SandboxError', message: `The sandbox could not run the code: ${problem}.` };
  return { ok: false, hasValue: false, stdout: '', stderr: '', error, truncated: [], durationMs: 0, sessionReset: false };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function send(message: WorkerToHost): void {
  try {
    // An asynchronous failure means the host is gone, and 'disconnect' then ends this process.
    process.send?.(message, undefined, undefined, () => undefined);
  } catch (error) {
    // The message could not be serialised (every field is bounded, so this is a bug): the
    // request still gets an answer.
    log(`could not send a ${message.type} message: ${describe(error)}`);
    if (message.type === 'result') process.send?.({ type: 'result', id: message.id, outcome: errorOutcome(describe(error)) }, undefined, undefined, () => undefined);
  }
}

function log(text: string): void {
  // Synchronous, so the line is written even when the process kills itself right after.
  writeSync(2, `sandbox-worker: ${text}\n`);
}
