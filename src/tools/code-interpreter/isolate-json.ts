/**
 * The JSON copy of a cell's value, made INSIDE the isolate so that only a string crosses to the
 * host: copying an object out with isolated-vm would run getters and walk nesting outside the
 * time limit (a looping getter hangs the host, deep nesting overflows its stack).
 *
 * Like `JSON.stringify` (`toJSON` is honoured, getters run, functions, symbols and `undefined`
 * are left out or become `null` in arrays, non-finite numbers become `null`), plus: a BigInt
 * becomes its decimal string, a Map an object (or `[key, value]` pairs when a key is not a
 * string), a Set and a typed array an array, a RegExp its source text, an Error `{ name,
 * message }`. Cycles become "[Circular]" and nesting deeper than `MAX_DEPTH` becomes "[Object]"
 * or "[Array]", so the recursion is bounded and cannot overflow the stack.
 *
 * The source text of `createBoundedJson` runs in the isolate (see `isolate-runtime.ts`): keep it
 * self-contained, using only JavaScript built-ins, captured when it is installed.
 */

/** `json` is absent when the value has no JSON form (`undefined`, a function) or is too large. */
export type BoundedJson = (value: unknown, budget: number) => { json?: string; tooLarge: boolean };

export function createBoundedJson(): BoundedJson {
  const uncurry = <T, A extends unknown[], R>(fn: (this: T, ...args: A) => R): ((self: T, ...args: A) => R) =>
    Function.prototype.call.bind(fn as (...args: unknown[]) => unknown) as (self: T, ...args: A) => R;
  const getter = (prototype: object, key: PropertyKey) =>
    uncurry(Reflect.getOwnPropertyDescriptor(prototype, key)?.get as (this: unknown) => unknown);

  const { keys: objectKeys, getPrototypeOf, create: objectCreate, prototype: objectPrototype } = Object;
  const reflectApply = Reflect.apply;
  const isArray = Array.isArray;
  const isError = (Error as unknown as { isError?: (value: unknown) => boolean }).isError;
  const jsonStringify = JSON.stringify;
  const numberIsFinite = Number.isFinite;
  const regExpToString = uncurry(RegExp.prototype.toString);
  const regExpSource = getter(RegExp.prototype, 'source');
  const mapSize = getter(Map.prototype, 'size') as (map: unknown) => number;
  const mapEntries = uncurry(Map.prototype.entries);
  const mapIteratorNext = uncurry(getPrototypeOf(new Map().entries()).next as (this: unknown) => IteratorResult<[unknown, unknown]>);
  const setSize = getter(Set.prototype, 'size') as (set: unknown) => number;
  const setValues = uncurry(Set.prototype.values);
  const setIteratorNext = uncurry(getPrototypeOf(new Set().values()).next as (this: unknown) => IteratorResult<unknown>);
  const typedArrayPrototype = getPrototypeOf(Uint8Array.prototype) as object;
  const typedArrayTag = getter(typedArrayPrototype, Symbol.toStringTag) as (value: unknown) => string | undefined;
  const typedArrayLength = getter(typedArrayPrototype, 'length') as (value: unknown) => number;
  const unboxers = [
    uncurry(Number.prototype.valueOf),
    uncurry(String.prototype.valueOf),
    uncurry(Boolean.prototype.valueOf),
    uncurry(BigInt.prototype.valueOf),
  ] as ((value: unknown) => unknown)[];

  const MAX_DEPTH = 20;
  /** Thrown (and caught below) to stop as soon as the text outgrows the budget. */
  const TOO_LARGE = { tooLarge: true };

  interface State {
    used: number;
    budget: number;
    ancestors: object[];
  }

  const tryBrand = <T>(check: () => T): { ok: true; value: T } | { ok: false } => {
    try {
      return { ok: true, value: check() };
    } catch {
      return { ok: false };
    }
  };

  const count = (state: State, text: string): string => {
    state.used += text.length;
    if (state.used > state.budget) throw TOO_LARGE;
    return text;
  };

  const serializeString = (text: string, state: State): string => {
    // Checked before quoting, so a huge string is not copied only to be thrown away.
    if (state.used + text.length > state.budget) throw TOO_LARGE;
    return count(state, jsonStringify(text));
  };

  /** The JSON text of `value`, or undefined where JSON leaves the value out. */
  const serialize = (input: unknown, key: string, depth: number, state: State): string | undefined => {
    let value = input;
    if ((typeof value === 'object' && value !== null) || typeof value === 'bigint') {
      const toJSON: unknown = (value as { toJSON?: unknown }).toJSON;
      if (typeof toJSON === 'function') value = reflectApply(toJSON, value, [key]);
    }
    switch (typeof value) {
      case 'string':
        return serializeString(value, state);
      case 'number':
        return count(state, numberIsFinite(value) ? `${value}` : 'null');
      case 'boolean':
        return count(state, value ? 'true' : 'false');
      case 'bigint':
        return serializeString(`${value}`, state);
      case 'object':
        return value === null ? count(state, 'null') : serializeObject(value, depth, state);
      default:
        // undefined, functions and symbols have no JSON form.
        return undefined;
    }
  };

  const serializeObject = (value: object, depth: number, state: State): string => {
    const ancestors = state.ancestors;
    for (let index = 0; index < ancestors.length; index++) {
      if (ancestors[index] === value) return count(state, '"[Circular]"');
    }
    if (depth >= MAX_DEPTH) return count(state, isArray(value) ? '"[Array]"' : '"[Object]"');
    // Plain objects and arrays (the common case) skip the brand checks, which throw for them.
    const prototype = getPrototypeOf(value);
    const plain = isArray(value) || prototype === objectPrototype || prototype === null;
    for (let index = 0; !plain && index < unboxers.length; index++) {
      const unboxed = tryBrand(() => (unboxers[index] as (value: unknown) => unknown)(value));
      if (unboxed.ok) return serialize(unboxed.value, '', depth, state) ?? count(state, 'null');
    }
    ancestors[ancestors.length] = value;
    try {
      return plain ? serializePlain(value, depth, state) : serializeContainer(value, depth, state);
    } finally {
      ancestors.length = ancestors.length - 1;
    }
  };

  const serializePlain = (value: object, depth: number, state: State): string => {
    if (isArray(value)) {
      let text = count(state, '[');
      for (let index = 0; index < value.length; index++) {
        if (index > 0) text += count(state, ',');
        text += serialize(value[index], `${index}`, depth + 1, state) ?? count(state, 'null');
      }
      return text + count(state, ']');
    }
    return serializeProperties(value, objectKeys(value), depth, state);
  };

  const serializeContainer = (value: object, depth: number, state: State): string => {
    if (typedArrayTag(value) !== undefined) {
      const items = value as unknown as ArrayLike<number | bigint>;
      const length = typedArrayLength(value);
      let text = count(state, '[');
      for (let index = 0; index < length; index++) {
        text += (index > 0 ? count(state, ',') : '') + (serialize(items[index], `${index}`, depth + 1, state) as string);
      }
      return text + count(state, ']');
    }
    const map = tryBrand(() => mapSize(value));
    if (map.ok) return serializeMap(value as Map<unknown, unknown>, depth, state);
    if (tryBrand(() => setSize(value)).ok) {
      const iterator = setValues(value as Set<unknown>);
      let text = count(state, '[');
      let first = true;
      for (let step = setIteratorNext(iterator); !step.done; step = setIteratorNext(iterator)) {
        text += (first ? '' : count(state, ',')) + (serialize(step.value, '', depth + 1, state) ?? count(state, 'null'));
        first = false;
      }
      return text + count(state, ']');
    }
    if (tryBrand(() => regExpSource(value)).ok) return serializeString(regExpToString(value as RegExp), state);
    if (isError ? isError(value) : value instanceof Error) {
      const { name, message } = value as { name?: unknown; message?: unknown };
      return `${count(state, '{"name":')}${serializeString(String(name), state)}${count(state, ',"message":')}${serializeString(String(message), state)}${count(state, '}')}`;
    }
    return serializeProperties(value, objectKeys(value), depth, state);
  };

  const serializeProperties = (value: object, keys: string[], depth: number, state: State): string => {
    let text = count(state, '{');
    let first = true;
    for (let index = 0; index < keys.length; index++) {
      const key = keys[index] as string;
      const item = serialize((value as Record<string, unknown>)[key], key, depth + 1, state);
      if (item === undefined) continue;
      text += `${first ? '' : count(state, ',')}${serializeString(key, state)}${count(state, ':')}${item}`;
      first = false;
    }
    return text + count(state, '}');
  };

  /** An object when every key is a string, else an array of `[key, value]` pairs. */
  const serializeMap = (map: Map<unknown, unknown>, depth: number, state: State): string => {
    const keys: unknown[] = [];
    const values: unknown[] = [];
    let allStrings = true;
    const iterator = mapEntries(map);
    for (let step = mapIteratorNext(iterator); !step.done; step = mapIteratorNext(iterator)) {
      // Each entry costs at least a few characters, so the budget also bounds this walk.
      if (keys.length > state.budget) throw TOO_LARGE;
      keys[keys.length] = step.value[0];
      values[values.length] = step.value[1];
      allStrings = allStrings && typeof step.value[0] === 'string';
    }
    if (allStrings) {
      // Null prototype: a "__proto__" key is then an ordinary property.
      const record = objectCreate(null) as Record<string, unknown>;
      for (let index = 0; index < keys.length; index++) record[keys[index] as string] = values[index];
      return serializeProperties(record, keys as string[], depth, state);
    }
    let text = count(state, '[');
    for (let index = 0; index < keys.length; index++) {
      text += `${index > 0 ? count(state, ',') : ''}${count(state, '[')}`;
      text += serialize(keys[index], '', depth + 2, state) ?? count(state, 'null');
      text += `${count(state, ',')}${serialize(values[index], '', depth + 2, state) ?? count(state, 'null')}${count(state, ']')}`;
    }
    return text + count(state, ']');
  };

  return (value, budget) => {
    const state: State = { used: 0, budget, ancestors: [] };
    try {
      const json = serialize(value, '', 0, state);
      return json === undefined ? { tooLarge: false } : { json, tooLarge: false };
    } catch (error) {
      if (error === TOO_LARGE) return { tooLarge: true };
      throw error;
    }
  };
}
