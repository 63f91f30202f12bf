import protobuf from 'protobufjs';
import { creditCodeProblem } from '../certification/creditCode';
import { isEventType, payloadTypeOf } from './schema';

/** One problem with a payload: where (dotted path, [i] for items), a stable code, and prose. */
export interface ValidationIssue {
  readonly path: string;
  readonly code: string;
  readonly message: string;
  /** Set when the problem is a domain rule's (R1 for a credit code whose check character is wrong). */
  readonly rule?: string;
}

// ---------------------------------------------------------------------------------------------
// Formats named by the (certledger.v1.format) field option
// ---------------------------------------------------------------------------------------------

const isLeapYear = (year: number): boolean => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function isCalendarDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  return day <= (month === 2 && isLeapYear(year) ? 29 : DAYS_IN_MONTH[month - 1]!);
}

/** 1–64 of [A-Za-z0-9._-], not dots alone: "." and ".." are rewritten out of URLs on their way to the service. */
export const CERTIFICATION_ID = /^(?!\.+$)[A-Za-z0-9._-]{1,64}$/;

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-](\d{2}):(\d{2}))$/;

export function isDate(value: string): boolean {
  const match = DATE.exec(value);
  return match !== null && isCalendarDate(Number(match[1]), Number(match[2]), Number(match[3]));
}

/** ISO 8601 / RFC 3339 date-time with seconds and an offset (Z or ±hh:mm). */
export function isDateTime(value: string): boolean {
  const match = DATE_TIME.exec(value);
  if (match === null || !isCalendarDate(Number(match[1]), Number(match[2]), Number(match[3]))) return false;
  if (Number(match[4]) > 23 || Number(match[5]) > 59 || Number(match[6]) > 59) return false;
  if (match[8] !== 'Z' && (Number(match[9]) > 23 || Number(match[10]) > 59)) return false;
  return true;
}

/** GB/T 2260 province-level prefixes (first two digits of a region code). */
const PROVINCES = new Set([
  '11',
  '12',
  '13',
  '14',
  '15',
  '21',
  '22',
  '23',
  '31',
  '32',
  '33',
  '34',
  '35',
  '36',
  '37',
  '41',
  '42',
  '43',
  '44',
  '45',
  '46',
  '50',
  '51',
  '52',
  '53',
  '54',
  '61',
  '62',
  '63',
  '64',
  '65',
  '71',
  '81',
  '82',
]);

export function isRegionCode(value: string): boolean {
  return /^\d{6}$/.test(value) && PROVINCES.has(value.slice(0, 2));
}

interface FormatCheck {
  readonly test: (value: unknown) => boolean;
  readonly describe: string;
  readonly code?: string;
  readonly rule?: string;
}

const stringCheck = (test: (value: string) => boolean) => (value: unknown) => typeof value === 'string' && test(value);

/** Every format the .proto files name, by name. */
export const FORMATS: Readonly<Record<string, FormatCheck>> = {
  date: { test: stringCheck(isDate), describe: 'a calendar date YYYY-MM-DD' },
  datetime: { test: stringCheck(isDateTime), describe: 'an ISO 8601 date-time with seconds and offset' },
  uuid: {
    test: stringCheck((v) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v)),
    describe: 'a UUID',
  },
  sha256: { test: stringCheck((v) => /^[0-9a-f]{64}$/.test(v)), describe: '64 lowercase hex digits (SHA-256)' },
  creditCode: {
    test: stringCheck((v) => creditCodeProblem(v) === undefined),
    describe: 'an 18-character unified social credit code with a correct check character (GB 32100-2015)',
    code: 'invalid-credit-code',
    rule: 'R1',
  },
  regionCode: { test: stringCheck(isRegionCode), describe: 'a 6-digit GB/T 2260 administrative division code' },
  agencyId: {
    test: stringCheck((v) => /^CNCA-RF?-\d{4}-\d{3}$/.test(v)),
    describe: 'a CB approval number such as CNCA-R-2002-001 (CNCA-RF-… for foreign CBs)',
  },
  sector: {
    test: (v) => typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 39,
    describe: 'an IAF/EA sector code 1..39',
  },
  certificationId: {
    test: stringCheck((v) => CERTIFICATION_ID.test(v)),
    describe: '1–64 characters of A-Z a-z 0-9 . _ -, not dots alone',
  },
  certificateNo: {
    test: stringCheck((v) => /^[A-Za-z0-9][A-Za-z0-9._/-]{3,63}$/.test(v)),
    describe: '4–64 characters of letters, digits and . _ / -, starting with a letter or digit',
  },
};

// ---------------------------------------------------------------------------------------------
// Field options (options.proto); protobufjs keeps them in field.options under "(name)"
// ---------------------------------------------------------------------------------------------

interface FieldRules {
  readonly required: boolean;
  readonly format?: string;
  readonly min?: number;
  readonly max?: number;
  readonly maxLength?: number;
  readonly minItems?: number;
  readonly setByLedger: boolean;
}

function optionOf(field: protobuf.Field, name: string): unknown {
  const options = field.options ?? {};
  return options[`(${name})`] ?? options[`(certledger.v1.${name})`] ?? options[`(.certledger.v1.${name})`];
}

/** Where the ledger takes each kind of field it sets itself, by the field's message type. */
const SET_BY_LEDGER_FROM: Readonly<Record<string, string>> = { SupervisionFiling: "the writer's region" };

/**
 * Says plainly that the field must be left out: a client that re-posts an event as the API returned
 * it sends the field back, and should learn from the refusal alone what to strip.
 */
function setByLedgerMessage(field: protobuf.Field, path: string): string {
  const from = SET_BY_LEDGER_FROM[field.type];
  return (
    `${path} is set by the ledger${from ? ` from ${from}` : ''} and must be left out of submissions ` +
    `(an event as the API returns it carries ${path}: remove it before posting that event again)`
  );
}

const rulesCache = new WeakMap<protobuf.Field, FieldRules>();

function rulesOf(field: protobuf.Field): FieldRules {
  let rules = rulesCache.get(field);
  if (!rules) {
    const number = (name: string): number | undefined => {
      const value = optionOf(field, name);
      return typeof value === 'number' ? value : undefined;
    };
    const format = optionOf(field, 'format');
    rules = {
      required: optionOf(field, 'required') === true,
      format: typeof format === 'string' ? format : undefined,
      min: number('min'),
      max: number('max'),
      maxLength: number('max_length'),
      minItems: number('min_items'),
      setByLedger: optionOf(field, 'set_by_ledger') === true,
    };
    rulesCache.set(field, rules);
  }
  return rules;
}

// ---------------------------------------------------------------------------------------------
// The walk
// ---------------------------------------------------------------------------------------------

const INTEGER_RANGES: Readonly<Record<string, readonly [number, number]>> = {
  int32: [-(2 ** 31), 2 ** 31 - 1],
  sint32: [-(2 ** 31), 2 ** 31 - 1],
  sfixed32: [-(2 ** 31), 2 ** 31 - 1],
  uint32: [0, 2 ** 32 - 1],
  fixed32: [0, 2 ** 32 - 1],
  int64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  sint64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  sfixed64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  uint64: [0, Number.MAX_SAFE_INTEGER],
  fixed64: [0, Number.MAX_SAFE_INTEGER],
};

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const join = (path: string, key: string): string => (path === '' ? key : `${path}.${key}`);

function isEmpty(value: unknown): boolean {
  if (value === undefined) return true;
  if (typeof value === 'string') return value.trim() === '';
  if (Array.isArray(value)) return value.length === 0;
  if (typeof value === 'number') return value === 0;
  return false;
}

/** "" is a string's (and an enum's) proto3 default; for any other field it is a value of the wrong type. */
function takesEmptyStringAsAbsent(field: protobuf.Field): boolean {
  if (field.repeated) return false;
  if (field.resolvedType instanceof protobuf.Enum) return true;
  return field.resolvedType === null && (field.type === 'string' || field.type === 'bytes');
}

/** Whether leaving the field out is itself a problem: a required field, or a list that needs items. */
function mustBePresent(field: protobuf.Field, rules: FieldRules): boolean {
  return rules.required || (field.repeated && rules.minItems !== undefined && rules.minItems > 0);
}

const enumNames = new WeakMap<protobuf.Enum, ReadonlySet<string>>();

/** An enum's names a payload may give: all but its zero value, which means "not set". */
function setNamesOf(type: protobuf.Enum): ReadonlySet<string> {
  let names = enumNames.get(type);
  if (!names) {
    names = new Set(Object.keys(type.values).filter((name) => type.values[name] !== 0));
    enumNames.set(type, names);
  }
  return names;
}

/** Characters (code points) in `value`, counted only when its UTF-16 length could exceed `limit`. */
function characterCount(value: string, limit: number): number {
  return value.length <= limit ? value.length : [...value].length;
}

class Walker {
  readonly issues: ValidationIssue[] = [];

  private add(path: string, code: string, message: string, rule?: string): void {
    this.issues.push(rule === undefined ? { path, code, message } : { path, code, message, rule });
  }

  message(type: protobuf.Type, value: unknown, path: string): void {
    if (!isPlainObject(value)) {
      this.add(path, 'expected-object', `${path || 'data'} must be an object (${type.name})`);
      return;
    }
    for (const key of Object.keys(value)) {
      if (!Object.prototype.hasOwnProperty.call(type.fields, key)) {
        this.add(join(path, key), 'unknown-field', `${type.name} has no field ${key}`);
      }
    }
    for (const field of type.fieldsArray) {
      const fieldValue = value[field.name];
      if (fieldValue === undefined && !mustBePresent(field, rulesOf(field))) continue;
      this.field(field, fieldValue, join(path, field.name));
    }
  }

  private field(field: protobuf.Field, value: unknown, path: string): void {
    const rules = rulesOf(field);
    if (value === null) {
      this.add(path, 'null-value', `${path} must be left out rather than null`);
      return;
    }
    if (rules.setByLedger) {
      if (value !== undefined) this.add(path, 'set-by-ledger', setByLedgerMessage(field, path));
      return;
    }
    if (isEmpty(value)) {
      if (rules.required) {
        this.add(path, 'required', `${path} is required`);
        return;
      }
      if (field.repeated && rules.minItems !== undefined && rules.minItems > 0) {
        this.add(path, 'too-few-items', `${path} needs at least ${rules.minItems} item(s)`);
        return;
      }
      if (value === undefined || (Array.isArray(value) && value.length === 0)) return;
      if (value === '' && takesEmptyStringAsAbsent(field)) return;
    }
    if (field.repeated) {
      if (!Array.isArray(value)) {
        this.add(path, 'expected-array', `${path} must be an array`);
        return;
      }
      if (rules.minItems !== undefined && value.length < rules.minItems) {
        this.add(path, 'too-few-items', `${path} needs at least ${rules.minItems} item(s)`);
      }
      if (rules.maxLength !== undefined && value.length > rules.maxLength) {
        this.add(path, 'too-many-items', `${path} holds at most ${rules.maxLength} item(s)`);
      }
      value.forEach((item, index) => {
        const itemPath = `${path}[${index}]`;
        if (item === null || item === undefined) this.add(itemPath, 'null-value', `${itemPath} must not be null`);
        else this.single(field, rules, item, itemPath, true);
      });
      return;
    }
    this.single(field, rules, value, path, false);
  }

  private single(field: protobuf.Field, rules: FieldRules, value: unknown, path: string, item: boolean): void {
    const resolved = field.resolvedType;
    if (resolved instanceof protobuf.Type) {
      this.message(resolved, value, path);
      return;
    }
    if (resolved instanceof protobuf.Enum) {
      const names = setNamesOf(resolved);
      if (typeof value !== 'string' || !names.has(value)) {
        this.add(path, 'invalid-enum', `${path} must be one of ${[...names].join(', ')}`);
      }
      return;
    }
    switch (field.type) {
      case 'string':
        if (typeof value !== 'string') {
          this.add(path, 'expected-string', `${path} must be a string`);
          return;
        }
        // A lone surrogate (JSON "\ud83d" without its pair) is no text UTF-8 can write, and the canonical bytes are UTF-8.
        if (!value.isWellFormed()) {
          this.add(
            path,
            'invalid-string',
            `${path} is not well-formed Unicode: it holds a lone surrogate (a \\uD800–\\uDFFF escape without its pair)`,
          );
          return;
        }
        if (!item && rules.maxLength !== undefined && characterCount(value, rules.maxLength) > rules.maxLength) {
          this.add(path, 'too-long', `${path} is longer than ${rules.maxLength} characters`);
        }
        break;
      case 'bool':
        if (typeof value !== 'boolean') this.add(path, 'expected-boolean', `${path} must be true or false`);
        return;
      case 'bytes':
        if (typeof value !== 'string') this.add(path, 'expected-string', `${path} must be a base64 string`);
        return;
      case 'double':
      case 'float':
        if (typeof value !== 'number' || !Number.isFinite(value)) {
          this.add(path, 'expected-number', `${path} must be a number`);
          return;
        }
        break;
      default: {
        const range = INTEGER_RANGES[field.type];
        if (!range) {
          this.add(path, 'unsupported-type', `${path} has a type the validator does not know: ${field.type}`);
          return;
        }
        if (typeof value !== 'number' || !Number.isInteger(value)) {
          this.add(path, 'expected-integer', `${path} must be a whole number`);
          return;
        }
        if (value < range[0] || value > range[1]) {
          this.add(path, 'out-of-range', `${path} must be between ${range[0]} and ${range[1]}`);
          return;
        }
      }
    }
    if (typeof value === 'number') {
      if (rules.min !== undefined && value < rules.min)
        this.add(path, 'too-small', `${path} must be at least ${rules.min}`);
      if (rules.max !== undefined && value > rules.max)
        this.add(path, 'too-large', `${path} must be at most ${rules.max}`);
    }
    if (rules.format !== undefined) {
      const check = FORMATS[rules.format];
      if (!check)
        this.add(path, 'unknown-format', `${path} names a format the validator does not know: ${rules.format}`);
      else if (!check.test(value)) {
        this.add(path, check.code ?? `invalid-${rules.format}`, `${path} must be ${check.describe}`, check.rule);
      }
    }
  }
}

/**
 * Payload issues at their paths inside the submitted event's JSON: the payload's fields under data
 * (data.scope, data.evidence[0].size), the payload itself at data; so that a payload field is never
 * taken for the envelope's of the same name (certificationId in a bulk event).
 */
export const atEventPaths = (issues: readonly ValidationIssue[]): ValidationIssue[] =>
  issues.map((issue) => ({ ...issue, path: issue.path === '' ? 'data' : `data.${issue.path}` }));

/**
 * Checks a payload against its .proto message and the validation options; an empty list means valid.
 * Paths are relative to the payload: atEventPaths places them in the event before a client sees them.
 */
export function validatePayload(type: string, data: unknown): ValidationIssue[] {
  if (!isEventType(type))
    return [{ path: 'type', code: 'unknown-event-type', message: `unknown event type ${JSON.stringify(type)}` }];
  const walker = new Walker();
  walker.message(payloadTypeOf(type), data, '');
  return walker.issues;
}
