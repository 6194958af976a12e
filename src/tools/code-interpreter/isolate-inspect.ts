/**
 * A small `util.inspect` for the sandbox: renders any value the way Node's console does, in short
 * form (`{ a: 1, b: [ 1, 2 ] }`, `Map(1) { 'k' => 1 }`, `[Function: f]`, `[Circular]`).
 *
 * It runs INSIDE the isolate: the sandbox runtime embeds `createInspect`'s source text, so the
 * function must stay self-contained (no imports, no outer variables, only JavaScript built-ins).
 * The built-ins it needs are captured when it is installed, before any user code runs, so a cell
 * that replaces `Object.keys` or `JSON.stringify` cannot break its rendering. Every rendering is
 * bounded: depth, items per container, string length, and a character budget after which it
 * stops walking. Accessor properties show as `[Getter]` without being called; user code it may
 * still reach (proxy traps, array index getters, a class's `name` getter) runs under the call's
 * time limit like any other user code.
 */

/** Options of one rendering. */
export interface InspectOptions {
  /** Nesting levels shown before objects collapse to `[Object]` (Node's default is 2). */
  depth: number;
  /** Characters after which the walk stops; the caller cuts the text to its own limit. */
  budget: number;
  /** Prints a top-level string as is (console) instead of quoted (a result). */
  rawStrings: boolean;
}

export type Inspect = (value: unknown, options: InspectOptions) => string;

/**
 * Creates the renderer. `trimStack` shortens error stacks to the user's own frames; it is passed in
 * (rather than imported) because this function's source text is what runs in the isolate.
 */
export function createInspect(trimStack: (stack: string) => string): Inspect {
  const uncurry = <T, A extends unknown[], R>(fn: (this: T, ...args: A) => R): ((self: T, ...args: A) => R) =>
    Function.prototype.call.bind(fn as (...args: unknown[]) => unknown) as (self: T, ...args: A) => R;
  const getter = (prototype: object, key: PropertyKey) =>
    uncurry(Reflect.getOwnPropertyDescriptor(prototype, key)?.get as (this: unknown) => unknown);

  const { keys: objectKeys, getPrototypeOf, getOwnPropertyDescriptor, getOwnPropertySymbols, is: objectIs, prototype: objectPrototype } = Object;
  const isArray = Array.isArray;
  const isError = (Error as unknown as { isError?: (value: unknown) => boolean }).isError;
  const jsonStringify = JSON.stringify;
  const stringSlice = uncurry(String.prototype.slice);
  const stringReplace = uncurry(String.prototype.replace as (this: string, pattern: RegExp, replacement: string) => string);
  const stringIncludes = uncurry(String.prototype.includes);
  const stringRepeat = uncurry(String.prototype.repeat);
  const regExpTest = uncurry(RegExp.prototype.test);
  const regExpToString = uncurry(RegExp.prototype.toString);
  const regExpSource = getter(RegExp.prototype, 'source');
  const functionToString = uncurry(Function.prototype.toString);
  const symbolToString = uncurry(Symbol.prototype.toString);
  const propertyIsEnumerable = uncurry(Object.prototype.propertyIsEnumerable);
  const dateGetTime = uncurry(Date.prototype.getTime);
  const dateToISOString = uncurry(Date.prototype.toISOString);
  const mapSize = getter(Map.prototype, 'size') as (map: unknown) => number;
  const mapEntries = uncurry(Map.prototype.entries);
  const mapIteratorNext = uncurry(getPrototypeOf(new Map().entries()).next as (this: unknown) => IteratorResult<[unknown, unknown]>);
  const setSize = getter(Set.prototype, 'size') as (set: unknown) => number;
  const setValues = uncurry(Set.prototype.values);
  const setIteratorNext = uncurry(getPrototypeOf(new Set().values()).next as (this: unknown) => IteratorResult<unknown>);
  const weakMapHas = uncurry(WeakMap.prototype.has);
  const weakSetHas = uncurry(WeakSet.prototype.has);
  const typedArrayPrototype = getPrototypeOf(Uint8Array.prototype) as object;
  const typedArrayTag = getter(typedArrayPrototype, Symbol.toStringTag) as (value: unknown) => string | undefined;
  const typedArrayLength = getter(typedArrayPrototype, 'length') as (value: unknown) => number;
  const arrayBufferByteLength = getter(ArrayBuffer.prototype, 'byteLength') as (value: unknown) => number;
  const boxedValueOf: [string, (value: unknown) => unknown][] = [
    ['Number', uncurry(Number.prototype.valueOf)],
    ['String', uncurry(String.prototype.valueOf)],
    ['Boolean', uncurry(Boolean.prototype.valueOf)],
    ['BigInt', uncurry(BigInt.prototype.valueOf)],
    ['Symbol', uncurry(Symbol.prototype.valueOf)],
  ];
  const functionKinds: [unknown, string][] = [
    [getPrototypeOf(async function () {}), 'AsyncFunction'],
    [getPrototypeOf(function* () {}), 'GeneratorFunction'],
    [getPrototypeOf(async function* () {}), 'AsyncGeneratorFunction'],
  ];

  const MAX_ITEMS = 100;
  const MAX_STRING = 10_000;
  const BREAK_LENGTH = 76;
  const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

  interface State {
    used: number;
    budget: number;
    maxDepth: number;
    seen: object[];
  }

  /** Runs a brand check such as `Map.prototype.size`'s getter, which throws for other objects. */
  const tryBrand = <T>(check: () => T): { ok: true; value: T } | { ok: false } => {
    try {
      return { ok: true, value: check() };
    } catch {
      return { ok: false };
    }
  };

  const quote = (text: string): string => {
    const cut = text.length > MAX_STRING ? stringSlice(text, 0, MAX_STRING) : text;
    const more = text.length > MAX_STRING ? `... ${text.length - MAX_STRING} more characters` : '';
    const escaped = stringReplace(stringReplace(stringSlice(jsonStringify(cut), 1, -1), /\\"/g, '"'), /'/g, "\\'");
    return `'${escaped}'${more}`;
  };

  const formatKey = (key: string | symbol): string => {
    if (typeof key === 'symbol') return `[${symbolToString(key)}]`;
    return regExpTest(IDENTIFIER, key) ? key : quote(key);
  };

  const indentation = (level: number): string => stringRepeat('  ', level);

  /** Joins entries on one line when short, else one per line (short items packed several a line). */
  const layout = (prefix: string, open: string, entries: string[], close: string, level: number): string => {
    if (entries.length === 0) return `${prefix}${open}${close}`;
    let total = prefix.length + open.length + close.length + level * 2;
    let multiline = false;
    let longest = 0;
    for (let index = 0; index < entries.length; index++) {
      const entry = entries[index] as string;
      total += entry.length + 2;
      // The closing "... 50 more items" does not count: it gets a line of its own anyway.
      if (entry[0] !== '.') longest = entry.length > longest ? entry.length : longest;
      multiline = multiline || stringIncludes(entry, '\n');
    }
    if (!multiline && total <= BREAK_LENGTH) {
      let line = '';
      for (let index = 0; index < entries.length; index++) line += (index === 0 ? '' : ', ') + entries[index];
      return `${prefix}${open} ${line} ${close}`;
    }
    const inner = indentation(level + 1);
    let text = `${prefix}${open}`;
    if (!multiline && entries.length > 6 && longest <= 16 && open === '[') {
      let line = '';
      for (let index = 0; index < entries.length; index++) {
        const entry = `${entries[index]}${index === entries.length - 1 ? '' : ','}`;
        if (line !== '' && inner.length + line.length + 1 + entry.length > BREAK_LENGTH) {
          text += `\n${inner}${line}`;
          line = '';
        }
        line += (line === '' ? '' : ' ') + entry;
      }
      return `${text}\n${inner}${line}\n${indentation(level)}${close}`;
    }
    for (let index = 0; index < entries.length; index++) {
      text += `\n${inner}${entries[index]}${index === entries.length - 1 ? '' : ','}`;
    }
    return `${text}\n${indentation(level)}${close}`;
  };

  const constructorName = (value: object): string | null => {
    let prototype = getPrototypeOf(value) as object | null;
    if (prototype === null) return null;
    for (let hops = 0; prototype !== null && hops < 8; hops++) {
      const descriptor = getOwnPropertyDescriptor(prototype, 'constructor');
      if (descriptor && typeof descriptor.value === 'function') {
        const name: unknown = descriptor.value.name;
        if (typeof name === 'string' && name !== '') return name;
      }
      prototype = getPrototypeOf(prototype) as object | null;
    }
    return '';
  };

  const formatFunction = (fn: (...args: unknown[]) => unknown): string => {
    const source = tryBrand(() => functionToString(fn));
    const name: unknown = fn.name;
    const named = typeof name === 'string' && name !== '' ? name : '';
    if (source.ok && regExpTest(/^class\b/, source.value)) return named ? `[class ${named}]` : '[class (anonymous)]';
    let kind = 'Function';
    const prototype = getPrototypeOf(fn);
    for (let index = 0; index < functionKinds.length; index++) {
      const entry = functionKinds[index] as [unknown, string];
      if (entry[0] === prototype) kind = entry[1];
    }
    return named ? `[${kind}: ${named}]` : `[${kind} (anonymous)]`;
  };

  const formatPrimitive = (value: unknown): string => {
    switch (typeof value) {
      case 'string':
        return quote(value);
      case 'number':
        return objectIs(value, -0) ? '-0' : `${value}`;
      case 'bigint':
        return `${value}n`;
      case 'symbol':
        return symbolToString(value);
      default:
        return `${value as boolean | undefined | null}`;
    }
  };

  /** Own enumerable properties (string keys, then symbols), getters shown as `[Getter]`. */
  const propertyEntries = (value: object, skip: string[], level: number, state: State, entries: string[]): void => {
    const keys: (string | symbol)[] = objectKeys(value);
    const symbols = getOwnPropertySymbols(value);
    for (let index = 0; index < symbols.length; index++) {
      const symbol = symbols[index] as symbol;
      if (propertyIsEnumerable(value, symbol)) keys[keys.length] = symbol;
    }
    let shown = 0;
    for (let index = 0; index < keys.length; index++) {
      const key = keys[index] as string | symbol;
      if (typeof key === 'string' && skip.length > 0 && (key === skip[0] || key === skip[1])) continue;
      if (shown === MAX_ITEMS || state.used > state.budget) {
        entries[entries.length] = `... ${keys.length - index} more properties`;
        return;
      }
      const descriptor = getOwnPropertyDescriptor(value, key);
      if (!descriptor) continue;
      let rendered: string;
      if (descriptor.get || descriptor.set) {
        rendered = descriptor.get && descriptor.set ? '[Getter/Setter]' : descriptor.get ? '[Getter]' : '[Setter]';
      } else {
        rendered = formatValue(descriptor.value, level + 1, state);
      }
      const entry = `${formatKey(key)}: ${rendered}`;
      state.used += entry.length + 2;
      entries[entries.length] = entry;
      shown++;
    }
  };

  const listEntry = (entries: string[], state: State, entry: string): void => {
    state.used += entry.length + 2;
    entries[entries.length] = entry;
  };

  const formatError = (error: object, level: number, state: State): string => {
    const fields = error as { name?: unknown; message?: unknown; stack?: unknown };
    const header = `${String(fields.name ?? 'Error')}: ${String(fields.message ?? '')}`;
    if (level > 0) return `[${header}]`;
    const stack = typeof fields.stack === 'string' ? trimStack(fields.stack) : header;
    const extra: string[] = [];
    propertyEntries(error, ['stack', 'message'], level, state, extra);
    return extra.length === 0 ? stack : layout(`${stack} `, '{', extra, '}', level);
  };

  const formatObject = (value: object, level: number, state: State): string => {
    const name = constructorName(value);
    const prefixOf = (fallback: string) => (name === null ? `[${fallback}: null prototype] ` : name === fallback ? '' : `${name || fallback} `);
    const collapsed = () => `[${name || (isArray(value) ? 'Array' : 'Object')}]`;
    const entries: string[] = [];

    if (isArray(value)) {
      if (level > state.maxDepth) return collapsed();
      const length = value.length;
      let holes = 0;
      for (let index = 0; index < length; index++) {
        if (entries.length === MAX_ITEMS || state.used > state.budget) {
          listEntry(entries, state, `... ${length - index} more items`);
          holes = 0;
          break;
        }
        if (!(index in value)) {
          holes++;
          continue;
        }
        if (holes > 0) listEntry(entries, state, `<${holes} empty item${holes === 1 ? '' : 's'}>`);
        holes = 0;
        listEntry(entries, state, formatValue(value[index], level + 1, state));
      }
      if (holes > 0) listEntry(entries, state, `<${holes} empty item${holes === 1 ? '' : 's'}>`);
      return layout(prefixOf('Array'), '[', entries, ']', level);
    }

    // Plain objects (the common case) skip the brand checks below, which throw for them.
    const prototype = getPrototypeOf(value);
    if (prototype === objectPrototype || prototype === null) {
      if (level > state.maxDepth) return collapsed();
      propertyEntries(value, [], level, state, entries);
      return layout(prefixOf('Object'), '{', entries, '}', level);
    }

    const tag = typedArrayTag(value);
    if (tag !== undefined) {
      const length = typedArrayLength(value);
      if (level > state.maxDepth) return `[${tag}]`;
      const items = value as unknown as ArrayLike<number | bigint>;
      for (let index = 0; index < length && index < MAX_ITEMS && state.used <= state.budget; index++) {
        listEntry(entries, state, formatPrimitive(items[index]));
      }
      if (entries.length < length) listEntry(entries, state, `... ${length - entries.length} more items`);
      return layout(`${tag}(${length}) `, '[', entries, ']', level);
    }

    const map = tryBrand(() => mapSize(value));
    if (map.ok) {
      if (level > state.maxDepth) return '[Map]';
      const iterator = mapEntries(value as Map<unknown, unknown>);
      for (let step = mapIteratorNext(iterator); !step.done; step = mapIteratorNext(iterator)) {
        if (entries.length === MAX_ITEMS || state.used > state.budget) {
          listEntry(entries, state, `... ${map.value - entries.length} more items`);
          break;
        }
        const [key, item] = step.value;
        listEntry(entries, state, `${formatValue(key, level + 1, state)} => ${formatValue(item, level + 1, state)}`);
      }
      return layout(`${name || 'Map'}(${map.value}) `, '{', entries, '}', level);
    }

    const set = tryBrand(() => setSize(value));
    if (set.ok) {
      if (level > state.maxDepth) return '[Set]';
      const iterator = setValues(value as Set<unknown>);
      for (let step = setIteratorNext(iterator); !step.done; step = setIteratorNext(iterator)) {
        if (entries.length === MAX_ITEMS || state.used > state.budget) {
          listEntry(entries, state, `... ${set.value - entries.length} more items`);
          break;
        }
        listEntry(entries, state, formatValue(step.value, level + 1, state));
      }
      return layout(`${name || 'Set'}(${set.value}) `, '{', entries, '}', level);
    }

    const time = tryBrand(() => dateGetTime(value as Date));
    if (time.ok) return time.value === time.value ? dateToISOString(value as Date) : 'Invalid Date';
    if (tryBrand(() => regExpSource(value)).ok) return regExpToString(value as RegExp);
    if (isError ? isError(value) : value instanceof Error) return formatError(value, level, state);
    for (let index = 0; index < boxedValueOf.length; index++) {
      const [boxName, valueOf] = boxedValueOf[index] as [string, (value: unknown) => unknown];
      const boxed = tryBrand(() => valueOf(value));
      if (boxed.ok) return `[${boxName}: ${formatPrimitive(boxed.value)}]`;
    }
    if (tryBrand(() => weakMapHas(value as WeakMap<object, unknown>, {})).ok) return 'WeakMap { <items unknown> }';
    if (tryBrand(() => weakSetHas(value as WeakSet<object>, {})).ok) return 'WeakSet { <items unknown> }';
    const byteLength = tryBrand(() => arrayBufferByteLength(value));
    if (byteLength.ok) return `ArrayBuffer { byteLength: ${byteLength.value} }`;

    if (level > state.maxDepth) return collapsed();
    propertyEntries(value, [], level, state, entries);
    return layout(prefixOf('Object'), '{', entries, '}', level);
  };

  const formatValue = (value: unknown, level: number, state: State): string => {
    if (typeof value === 'function') return formatFunction(value as (...args: unknown[]) => unknown);
    if (typeof value !== 'object' || value === null) return formatPrimitive(value);
    const seen = state.seen;
    for (let index = 0; index < seen.length; index++) if (seen[index] === value) return '[Circular]';
    seen[seen.length] = value;
    try {
      return formatObject(value, level, state);
    } catch (error) {
      // A revoked proxy, a throwing trap: show that the value could not be read rather than fail.
      return `[Uninspectable: ${error instanceof Error ? error.message : 'the value threw'}]`;
    } finally {
      seen.length = seen.length - 1;
    }
  };

  const inspect = (value: unknown, options: InspectOptions): string => {
    if (typeof value === 'string' && options.rawStrings) {
      return value.length > options.budget ? stringSlice(value, 0, options.budget) : value;
    }
    return formatValue(value, 0, { used: 0, budget: options.budget, maxDepth: options.depth, seen: [] });
  };
  return inspect;
}
