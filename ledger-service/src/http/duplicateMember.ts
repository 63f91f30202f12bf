/** A member name that one object of a JSON text has twice: where the object is (a JSON pointer) and the name. */
export interface DuplicateMember {
  readonly objectPointer: string;
  readonly name: string;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;

/**
 * The first member name that appears twice in one object of `json`, the text JSON.parse turned into
 * `parsed` (RFC 8259 only says names SHOULD be unique, and JSON.parse keeps the last value). Names
 * compare unescaped: "a" and "\u0061" are the same.
 *
 * Each member of the text is a property of `parsed` unless its name came earlier in the same object,
 * so the text has a duplicate exactly when it has more members than `parsed` has properties. Counting
 * both costs about half of JSON.parse, with nothing allocated per member; only when the counts
 * differ is the text read again, with a Set of names per object, to say where.
 */
export function duplicateMemberOf(json: string, parsed: unknown): DuplicateMember | undefined {
  return membersInText(json) === propertiesIn(parsed) ? undefined : firstDuplicateIn(json);
}

/** The colons outside strings: one per member. */
function membersInText(json: string): number {
  let members = 0;
  for (let i = 0; i < json.length; i++) {
    const char = json.charCodeAt(i);
    if (char === QUOTE) i = closingQuoteOf(json, i);
    else if (char === COLON) members++;
  }
  return members;
}

const isContainer = (value: unknown): value is object => typeof value === 'object' && value !== null;
const hasOwn = Object.prototype.hasOwnProperty;

/**
 * The own properties of every object in `value`, walked without recursion (JSON.parse takes any
 * depth): for…in with hasOwnProperty, which V8 runs without a list of keys per object.
 */
function propertiesIn(value: unknown): number {
  let properties = 0;
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const container = pending.pop();
    if (Array.isArray(container)) {
      for (const child of container) if (isContainer(child)) pending.push(child);
    } else if (isContainer(container)) {
      for (const key in container) {
        if (!hasOwn.call(container, key)) continue;
        properties++;
        const child = (container as Record<string, unknown>)[key];
        if (isContainer(child)) pending.push(child);
      }
    }
  }
  return properties;
}

/** An open object (its names so far and the last one) or array (the index of its current element). */
interface Container {
  readonly names: Set<string> | undefined;
  name: string;
  index: number;
}

function firstDuplicateIn(json: string): DuplicateMember | undefined {
  const open: Container[] = [];
  let expectingName = false;
  for (let i = 0; i < json.length; i++) {
    const char = json.charCodeAt(i);
    if (char === QUOTE) {
      const end = closingQuoteOf(json, i);
      if (expectingName) {
        const object = open[open.length - 1]!;
        const name = nameBetween(json, i, end);
        if (object.names!.has(name)) return { objectPointer: pointerOf(open), name };
        object.names!.add(name);
        object.name = name;
        expectingName = false;
      }
      i = end;
    } else if (char === OPEN_OBJECT || char === OPEN_ARRAY) {
      open.push({ names: char === OPEN_OBJECT ? new Set() : undefined, name: '', index: 0 });
      expectingName = char === OPEN_OBJECT;
    } else if (char === COMMA) {
      const container = open[open.length - 1]!;
      if (container.names) expectingName = true;
      else container.index++;
    } else if (char === CLOSE_OBJECT || char === CLOSE_ARRAY) {
      open.pop();
      expectingName = false;
    }
  }
  return undefined;
}

/**
 * The index of the quote that closes the string opening at `start`: one not escaped by an odd run of
 * backslashes (the text's end if there is none, which a text JSON.parse accepted never lacks).
 */
function closingQuoteOf(json: string, start: number): number {
  let end = json.indexOf('"', start + 1);
  while (end !== -1 && isEscaped(json, end)) end = json.indexOf('"', end + 1);
  return end === -1 ? json.length : end;
}

function isEscaped(json: string, at: number): boolean {
  let backslashes = 0;
  while (json.charCodeAt(at - 1 - backslashes) === BACKSLASH) backslashes++;
  return backslashes % 2 === 1;
}

function nameBetween(json: string, openingQuote: number, closingQuote: number): string {
  const raw = json.slice(openingQuote + 1, closingQuote);
  return raw.includes('\\') ? (JSON.parse(json.slice(openingQuote, closingQuote + 1)) as string) : raw;
}

/** The JSON pointer (RFC 6901) of the innermost open container: the names and indexes that lead to it. */
function pointerOf(open: readonly Container[]): string {
  let pointer = '';
  for (const container of open.slice(0, -1)) {
    const token = container.names ? container.name.replace(/~/g, '~0').replace(/\//g, '~1') : String(container.index);
    pointer += `/${token}`;
  }
  return pointer;
}
