import protobuf from 'protobufjs';
import { readmeSection } from '../testing/readme';
import { CERTIFICATION_EVENT_TYPES, payloadTypeOf, SUPERVISION_EVENT_TYPES, type EventType } from './schema';

const catalogue = readmeSection('## Event catalogue');

/** Every name a submitter writes in a payload: its fields, its messages' fields and its enums' values. */
function namesIn(type: protobuf.Type): string[] {
  return type.fieldsArray.flatMap((field) => {
    const resolved = field.resolve().resolvedType;
    if (resolved instanceof protobuf.Type) return [field.name, ...namesIn(resolved)];
    if (resolved instanceof protobuf.Enum)
      return [field.name, ...Object.keys(resolved.values).filter((value) => !value.endsWith('_UNSPECIFIED'))];
    return [field.name];
  });
}

const rows = new Map(
  [...catalogue.matchAll(/^\| `(\w+)` \| (.+) \|$/gm)].map((match) => [match[1]!, match[2]!] as const),
);

describe("the README's event catalogue", () => {
  it('has a row for every certification event type, and none for a type the ledger does not take', () => {
    expect([...rows.keys()].sort()).toEqual([...CERTIFICATION_EVENT_TYPES].sort());
  });

  it.each(CERTIFICATION_EVENT_TYPES)("names every field and value of %s's payload, as the ledger spells it", (type) => {
    const payload = rows.get(type) ?? '';
    const unnamed = namesIn(payloadTypeOf(type as EventType)).filter((name) => !payload.includes(`\`${name}\``));
    expect(unnamed).toEqual([]);
  });

  it('names every supervision event type', () => {
    const supervision = /^Supervision streams \(`supervision-\{id\}`\): ([^.]+)\./m.exec(catalogue)?.[1] ?? '';
    expect([...supervision.matchAll(/`(\w+)`/g)].map((match) => match[1]).sort()).toEqual(
      [...SUPERVISION_EVENT_TYPES].sort(),
    );
  });
});
