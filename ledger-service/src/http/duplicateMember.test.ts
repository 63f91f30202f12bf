import { initialCertification } from '../testing/scenario';
import { duplicateMemberOf } from './duplicateMember';

const duplicateIn = (json: string) => duplicateMemberOf(json, JSON.parse(json));

type Path = ReadonlyArray<string | number>;

/** JSON.stringify, but the object at `target` has its first member once more at its end. */
function withFirstMemberRepeated(value: unknown, target: Path, at: Path = []): string {
  if (Array.isArray(value)) return `[${value.map((item, i) => withFirstMemberRepeated(item, target, [...at, i]))}]`;
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  const members = Object.entries(value).map(
    ([name, member]) => `${JSON.stringify(name)}:${withFirstMemberRepeated(member, target, [...at, name])}`,
  );
  const repeated = at.length === target.length && at.every((step, i) => step === target[i]);
  return `{${(repeated ? [...members, members[0]] : members).join(',')}}`;
}

/** The paths of the objects in `value` that have members. */
function objectPaths(value: unknown, at: Path = []): Path[] {
  if (Array.isArray(value)) return value.flatMap((item, i) => objectPaths(item, [...at, i]));
  if (value === null || typeof value !== 'object') return [];
  const inner = Object.entries(value).flatMap(([name, member]) => objectPaths(member, [...at, name]));
  return Object.keys(value).length > 0 ? [at, ...inner] : inner;
}

describe('duplicateMemberOf', () => {
  const bodies = initialCertification({ certificationId: 'DUP-1', appliedOn: '2025-03-01' }).map(
    ({ certificationId: _id, ...body }) => body,
  );

  it('finds nothing in the bodies of a whole certification', () => {
    for (const body of bodies) expect(duplicateIn(JSON.stringify(body))).toBeUndefined();
    expect(duplicateIn(JSON.stringify({ events: bodies }))).toBeUndefined();
  });

  it('finds a repeated member in every object of those bodies, alone and in a bulk body, and says where', () => {
    let checked = 0;
    for (const body of bodies)
      for (const path of objectPaths(body)) {
        const object = path.reduce<unknown>((node, step) => (node as Record<string, unknown>)[step], body);
        const name = Object.keys(object as object)[0];
        const objectPointer = path.map((step) => `/${step}`).join('');
        expect(duplicateIn(withFirstMemberRepeated(body, path))).toEqual({ objectPointer, name });
        const bulk = { events: bodies };
        const inBulk = ['events', bodies.indexOf(body), ...path];
        expect(duplicateIn(withFirstMemberRepeated(bulk, inBulk))).toEqual({
          objectPointer: `/events/${bodies.indexOf(body)}${objectPointer}`,
          name,
        });
        checked++;
      }
    expect(checked).toBeGreaterThan(40);
  });

  it('finds the name twice whatever the values, the spacing or the members in between', () => {
    expect(duplicateIn('{"type":"CertificateIssued","type":"CertificateWithdrawn"}')).toEqual({
      objectPointer: '',
      name: 'type',
    });
    expect(duplicateIn(' {\n "x" : 1 ,\t"y":{}, "z":[{}] , "x" : 1 } ')).toEqual({ objectPointer: '', name: 'x' });
    expect(duplicateIn('{"":1,"":2}')).toEqual({ objectPointer: '', name: '' });
    expect(duplicateIn('{"a":1,"a":2,"b":1,"b":2}')).toEqual({ objectPointer: '', name: 'a' });
    expect(duplicateIn('{"a":[{},"a",[],"a"],"a":1}')).toEqual({ objectPointer: '', name: 'a' });
    expect(duplicateIn('{"__proto__":{},"__proto__":{}}')).toEqual({ objectPointer: '', name: '__proto__' });
  });

  it('allows one name in sibling objects, in the elements of an array and at different depths', () => {
    expect(duplicateIn('{"a":{"x":1},"b":{"x":2},"x":{"x":{"x":3}}}')).toBeUndefined();
    expect(duplicateIn('[{"a":1},{"a":1},[{"a":1}]]')).toBeUndefined();
    expect(duplicateIn('{"a":[{"b":1}],"b":[{"a":1}]}')).toBeUndefined();
  });

  it('compares names unescaped', () => {
    expect(duplicateIn('{"a":1,"\\u0061":2}')).toEqual({ objectPointer: '', name: 'a' });
    expect(duplicateIn('{"\\"":1,"\\u0022":2}')).toEqual({ objectPointer: '', name: '"' });
    expect(duplicateIn('{"质量":1,"\\u8d28\\u91cf":2}')).toEqual({ objectPointer: '', name: '质量' });
    expect(duplicateIn('{"\\\\":1,"\\\\\\\\":2,"\\\\\\"":3}')).toBeUndefined();
  });

  it('does not take what strings hold for members', () => {
    expect(duplicateIn('{"a":"\\"a\\":1"}')).toBeUndefined();
    expect(duplicateIn('{"a":"{\\"b\\":1,\\"b\\":2}","b":":,{\\"b\\":3}"}')).toBeUndefined();
    expect(duplicateIn('{"a":"ends in a backslash\\\\","b":"\\\\\\"","c":1}')).toBeUndefined();
    expect(duplicateIn('{"a":"x\\",\\"a\\":\\"y","b":1}')).toBeUndefined();
    expect(duplicateIn('{"a":"\\\\","a":1}')).toEqual({ objectPointer: '', name: 'a' });
  });

  it('counts only own properties, whatever a polluted Object.prototype lists', () => {
    const prototype = Object.prototype as Record<string, unknown>;
    prototype.polluted = true;
    try {
      expect(duplicateIn('{"a":1,"a":2}')).toEqual({ objectPointer: '', name: 'a' });
    } finally {
      delete prototype.polluted;
    }
  });

  it('escapes the names on the way to the object as a JSON pointer does', () => {
    expect(duplicateIn('{"a/b~c":[0,{"k":1,"k":2}]}')).toEqual({ objectPointer: '/a~1b~0c/1', name: 'k' });
  });

  it('reads any depth JSON.parse takes, without running out of stack', () => {
    const depth = 50_000;
    expect(duplicateIn(`${'['.repeat(depth)}${']'.repeat(depth)}`)).toBeUndefined();
    const nested = `${'{"a":'.repeat(depth)}{"b":1,"b":2}${'}'.repeat(depth)}`;
    expect(duplicateIn(nested)).toEqual({ objectPointer: '/a'.repeat(depth), name: 'b' });
  });

  it('finds nothing in bodies that are not objects', () => {
    for (const json of ['"text"', '1', 'null', 'true', '[]', '[1,"a",null]', '"{\\"a\\":1,\\"a\\":2}"'])
      expect(duplicateIn(json)).toBeUndefined();
  });

  it('reads a large object whole', () => {
    const members = Array.from({ length: 1000 }, (_, i) => `"m${i}":${i}`);
    expect(duplicateIn(`{${members.join(',')}}`)).toBeUndefined();
    expect(duplicateIn(`{${[...members, '"m500":0'].join(',')}}`)).toEqual({ objectPointer: '', name: 'm500' });
  });
});
