import { isoDate, timeBound } from './params';

describe('date parameters', () => {
  it('take real calendar dates only: 2025-02-30 is not 2 March', () => {
    expect(isoDate('2024-02-29', 'asOf')).toBe('2024-02-29');
    expect(() => isoDate('2025-02-30', 'asOf')).toThrow(/asOf/);
    expect(() => isoDate('2025-13-01', 'asOf')).toThrow();
    expect(timeBound('2025-03-01', 'from')).toBe('2025-02-28T16:00:00.000Z');
    expect(timeBound('2025-03-01', 'to')).toBe('2025-03-01T16:00:00.000Z');
    expect(() => timeBound('2025-02-30', 'from')).toThrow(/from/);
    expect(() => timeBound('2025-02-30T10:00:00+08:00', 'to')).toThrow(/to/);
    expect(timeBound('2025-03-01T10:00+08:00', 'to')).toBe('2025-03-01T02:00:00.000Z');
  });
});
