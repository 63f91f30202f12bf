import { chinaDateOf, chinaDayAt, chinaMinuteOf } from './chinaCalendar';

describe("China's calendar (UTC+8)", () => {
  it('gives the day in China of an instant written in any offset', () => {
    expect(chinaDateOf('2028-04-01T16:30:00Z')).toBe('2028-04-02');
    expect(chinaDateOf('2028-04-01T15:59:59Z')).toBe('2028-04-01');
    expect(chinaDateOf('2028-04-02T00:30:00+08:00')).toBe('2028-04-02');
    expect(chinaDateOf('2028-04-01T10:00:00-05:00')).toBe('2028-04-01');
    expect(chinaDateOf('2028-04-01T11:00:00-05:00')).toBe('2028-04-02');
    expect(chinaDateOf('2028-12-31T16:00:00.000Z')).toBe('2029-01-01');
  });
  it('takes a date as its own day', () => {
    expect(chinaDateOf('2028-04-01')).toBe('2028-04-01');
  });
  it('gives the day and minute in China at an instant', () => {
    expect(chinaDayAt(new Date('2026-02-28T16:00:00Z'))).toBe('2026-03-01');
    expect(chinaMinuteOf(Date.parse('2026-02-28T16:05:00Z'))).toBe('2026-03-01 00:05');
  });
});
