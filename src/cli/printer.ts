import { createColors } from 'picocolors';
import type { AgentEvent } from '../agent/events.ts';
import type { RunResult } from '../agent/records.ts';

type Colors = ReturnType<typeof createColors>;

export interface PrinterStreams {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

/** What the printer says beyond the run's own events. */
export interface HumanPrinterOptions {
  /** Print the run's id at its start, with how to resume it (for runs saved by `gantry run`). */
  announceSavedRun?: boolean;
}

const SPINNER_FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const ONE_LINE = 160;

/**
 * Human output of a run: the answer on stdout (streamed live on a terminal, printed once when
 * piped, so `gantry run > answer.txt` holds only the answer), tool calls and a summary on stderr.
 */
export class HumanPrinter {
  readonly #out: PrinterStreams['stdout'];
  readonly #err: PrinterStreams['stderr'];
  readonly #colors: Colors;
  readonly #live: boolean;
  #spinner: NodeJS.Timeout | undefined;
  #streamedText = false;
  #planner = '';
  readonly #announceSavedRun: boolean;

  constructor(streams: PrinterStreams, options: HumanPrinterOptions = {}) {
    this.#announceSavedRun = options.announceSavedRun ?? false;
    this.#out = streams.stdout;
    this.#err = streams.stderr;
    const noColor = 'NO_COLOR' in streams.env && streams.env.NO_COLOR !== '';
    this.#colors = createColors(!noColor && (Boolean(streams.env.FORCE_COLOR) || Boolean(streams.stderr.isTTY)));
    this.#live = Boolean(streams.stdout.isTTY);
  }

  handle(event: AgentEvent): void {
    const c = this.#colors;
    switch (event.type) {
      case 'run_start':
        this.#planner = event.planner;
        if (event.resumed) {
          const { steps, toolCalls } = event.resumed;
          this.#line(c.dim(`Resuming run ${shortId(event.runId)} from step ${steps + 1} (${toolCalls} tool call${toolCalls === 1 ? '' : 's'} reused)`));
        } else if (this.#announceSavedRun) {
          this.#line(c.dim(`Run ${shortId(event.runId)} (if it is interrupted: gantry run --resume ${shortId(event.runId)})`));
        }
        break;
      case 'step_start':
        this.#startSpinner();
        break;
      case 'model_delta':
        this.#stopSpinner();
        if (this.#live && this.#planner !== 'react') {
          this.#out.write(event.text);
          this.#streamedText = true;
        }
        break;
      case 'model_retry':
        this.#stopSpinner();
        this.#line(c.yellow(`model call failed (${event.error}); retry ${event.attempt} in ${event.delayMs} ms`));
        break;
      case 'model_message':
        this.#stopSpinner();
        if (this.#streamedText) {
          this.#out.write('\n');
          this.#streamedText = false;
        }
        break;
      case 'tool_call_start':
        this.#line(`${c.cyan('→')} ${c.bold(event.name)} ${c.dim(oneLine(JSON.stringify(event.args) ?? ''))}`);
        break;
      case 'tool_call_end':
        this.#line(
          event.error === undefined
            ? `${c.green('←')} ${oneLine(event.output ?? '')} ${c.dim(`(${Math.round(event.durationMs)} ms)`)}`
            : `${c.red('✗')} ${c.red(oneLine(event.error))}`,
        );
        break;
      case 'run_end':
        this.#stopSpinner();
        this.#finish(event.result);
        break;
      default:
        break;
    }
  }

  /** Stops the spinner; call when the run ends abnormally. */
  dispose(): void {
    this.#stopSpinner();
  }

  #finish(result: RunResult): void {
    const c = this.#colors;
    const answerWasStreamed = this.#live && this.#planner !== 'react' && result.stopReason === 'final';
    if (!answerWasStreamed && result.stopReason === 'final') this.#out.write(`${result.output}\n`);
    const usage = result.usage;
    const parts = [
      `${result.steps.length} step${result.steps.length === 1 ? '' : 's'}`,
      `${usage.totalTokens}${usage.estimated ? ' (estimated)' : ''} tokens`,
      ...(usage.costUsd === undefined ? [] : [`$${usage.costUsd.toFixed(4)}`]),
      `${(result.durationMs / 1000).toFixed(1)} s`,
    ];
    if (result.sources?.length) {
      this.#line(c.bold('Sources:'));
      result.sources.forEach((source, index) => {
        const quote = source.quote ? ` — "${oneLine(source.quote)}"` : '';
        this.#line(`  [${index + 1}] ${source.title ? `${source.title} ` : ''}${c.cyan(source.url)}${quote}`);
      });
    }
    if (result.stopReason === 'final') {
      this.#line(c.dim(parts.join(' · ')));
    } else {
      const why = result.error ? `: ${result.error.message}` : '';
      this.#line(c.yellow(`stopped (${result.stopReason})${why}`));
      this.#line(c.dim(parts.join(' · ')));
    }
  }

  #line(text: string): void {
    this.#stopSpinner();
    this.#err.write(`${text}\n`);
  }

  #startSpinner(): void {
    if (!this.#err.isTTY || this.#spinner) return;
    let frame = 0;
    this.#spinner = setInterval(() => {
      this.#err.write(`\r${this.#colors.dim(`${SPINNER_FRAMES[frame++ % SPINNER_FRAMES.length]} thinking…`)}`);
    }, 80);
    this.#spinner.unref();
  }

  #stopSpinner(): void {
    if (!this.#spinner) return;
    clearInterval(this.#spinner);
    this.#spinner = undefined;
    this.#err.write('\r\x1b[K');
  }
}

/** The first 8 characters of a run id: enough to name it in `gantry run --resume` and `gantry runs show`. */
export function shortId(runId: string): string {
  return runId.slice(0, 8);
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= ONE_LINE ? flat : `${flat.slice(0, ONE_LINE)}…`;
}
