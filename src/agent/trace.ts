import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { AgentEvent } from './events.ts';

/**
 * Appends a run's events to a JSON-lines file, one event per line, as they happen. The events
 * carry no credentials: API keys live in the model object, which is never serialised.
 */
export class TraceWriter {
  readonly #stream;

  constructor(file: string) {
    mkdirSync(dirname(file), { recursive: true });
    this.#stream = createWriteStream(file, { flags: 'a' });
  }

  write(event: AgentEvent): void {
    this.#stream.write(`${JSON.stringify(event)}\n`);
  }

  close(): Promise<void> {
    return new Promise((resolve, reject) => this.#stream.end((error?: Error | null) => (error ? reject(error) : resolve())));
  }
}
