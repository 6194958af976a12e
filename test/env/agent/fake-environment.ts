import { EnvironmentError } from '../../../src/agent/errors.ts';
import type { Environment, ResetOptions, ResetResult, StepResult } from '../../../src/env/environment.ts';

const PLACES = ['cabinet 1', 'cabinet 2', 'coffeemachine 1', 'countertop 1', 'fridge 1', 'sinkbasin 1'];

export const FAKE_START =
  'You are in the middle of a room. Looking quickly around you, you see a cabinet 1, a cabinet 2, a coffeemachine 1, ' +
  'a countertop 1, a fridge 1, and a sinkbasin 1.';

/**
 * A tiny household for tests: a mug (in cabinet 2 for even seeds, on countertop 1 for odd ones)
 * to put in the coffee machine, cleaned first for `clean` tasks. Inadmissible actions answer
 * "Nothing happens." with `valid: false`.
 */
export class FakeHousehold implements Environment {
  readonly name = 'fake-household';
  readonly maxSteps: number;
  readonly sent: string[] = [];
  #type = 'clean';
  #seed = 0;
  #at: string | undefined;
  #mugAt: string | undefined;
  #holding = false;
  #clean = false;
  #steps = 0;
  #done = true;

  constructor({ maxSteps = 30 }: { maxSteps?: number } = {}) {
    this.maxSteps = maxSteps;
  }

  async reset({ taskId, seed }: ResetOptions = {}): Promise<ResetResult> {
    const [type, seedText] = (taskId ?? 'clean').split('/');
    this.#type = type!;
    this.#seed = seed ?? Number(seedText ?? 0);
    this.#at = undefined;
    this.#mugAt = this.#seed % 2 === 0 ? 'cabinet 2' : 'countertop 1';
    this.#holding = false;
    this.#clean = false;
    this.#steps = 0;
    this.#done = false;
    return { observation: FAKE_START, goal: this.goal, admissibleActions: this.admissible(), info: this.info({}) };
  }

  get goal(): string {
    return this.#type === 'clean' ? 'put a clean mug in coffeemachine.' : 'put a mug in coffeemachine.';
  }

  async step(action: string): Promise<StepResult> {
    if (this.#done) throw new EnvironmentError('step() after the episode ended, or before reset().');
    this.sent.push(action);
    this.#steps++;
    const valid = this.admissible().includes(action);
    const observation = valid ? this.apply(action) : 'Nothing happens.';
    const won = this.#mugAt === 'coffeemachine 1' && (this.#type !== 'clean' || this.#clean);
    const truncated = !won && this.#steps >= this.maxSteps;
    this.#done = won || truncated;
    return { observation, reward: won ? 1 : 0, terminated: won, truncated, admissibleActions: this.admissible(), info: this.info({ valid, won }) };
  }

  async close(): Promise<void> {}

  admissible(): string[] {
    const actions = PLACES.filter((place) => place !== this.#at).map((place) => `go to ${place}`);
    if (this.#at !== undefined && this.#at === this.#mugAt && !this.#holding) actions.push(`take mug 1 from ${this.#at}`);
    if (this.#holding && this.#at === 'sinkbasin 1') actions.push('clean mug 1 with sinkbasin 1');
    if (this.#holding && this.#at !== undefined) actions.push(`put mug 1 in/on ${this.#at}`);
    actions.push('inventory', 'look');
    return actions;
  }

  private apply(action: string): string {
    if (action.startsWith('go to ')) {
      this.#at = action.slice('go to '.length);
      return `You arrive at ${this.#at}. On the ${this.#at}, you see ${this.#mugAt === this.#at && !this.#holding ? 'a mug 1' : 'nothing'}.`;
    }
    if (action.startsWith('take ')) {
      this.#holding = true;
      this.#mugAt = undefined;
      return `You pick up the mug 1 from the ${this.#at}.`;
    }
    if (action.startsWith('clean ')) {
      this.#clean = true;
      return 'You clean the mug 1 using the sinkbasin 1.';
    }
    if (action.startsWith('put ')) {
      this.#holding = false;
      this.#mugAt = this.#at;
      return `You put the mug 1 in/on the ${this.#at}.`;
    }
    if (action === 'inventory') return this.#holding ? 'You are carrying: a mug 1.' : 'You are not carrying anything.';
    return `You are facing the ${this.#at ?? 'middle of the room'}.`;
  }

  private info({ valid, won = false }: { valid?: boolean; won?: boolean }) {
    return { taskId: `${this.#type}/${this.#seed}`, taskType: this.#type, won, steps: this.#steps, ...(valid === undefined ? {} : { valid }) };
  }
}

/** The shortest solution of a fake task. */
export function expertActions({ type = 'clean', seed = 0 }: { type?: string; seed?: number } = {}): string[] {
  const place = seed % 2 === 0 ? 'cabinet 2' : 'countertop 1';
  return [
    `go to ${place}`,
    `take mug 1 from ${place}`,
    ...(type === 'clean' ? ['go to sinkbasin 1', 'clean mug 1 with sinkbasin 1'] : []),
    'go to coffeemachine 1',
    'put mug 1 in/on coffeemachine 1',
  ];
}
