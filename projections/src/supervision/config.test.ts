import { supervisionConfigFromEnv, SupervisionConfigError } from './config';
import { addWorkingDays } from './dates';

// The State Council's 2025 National Day and Mid-Autumn holiday: 1–8 October off, Sunday 28 September
// and Saturday 11 October worked instead.
const HOLIDAYS_2025_10 = '2025-10-01,2025-10-02,2025-10-03,2025-10-06,2025-10-07,2025-10-08';
const WORKED_WEEKENDS_2025_10 = '2025-09-28, 2025-10-11';

describe('working days for W11, as China counts them', () => {
  it('counts a make-up Saturday or Sunday (调休) as a working day and a holiday as none', () => {
    const config = supervisionConfigFromEnv({
      SUPERVISION_HOLIDAYS: HOLIDAYS_2025_10,
      SUPERVISION_WORKING_WEEKENDS: WORKED_WEEKENDS_2025_10,
    });
    expect(config.workingWeekends).toEqual(['2025-09-28', '2025-10-11']);
    // From Friday 26 September: Sun 28, Mon 29, Tue 30, then Thu 9 and Fri 10 October.
    expect(addWorkingDays('2025-09-26', 5, config.holidays, config.workingWeekends)).toBe('2025-10-10');
    expect(addWorkingDays('2025-09-26', 5, config.holidays)).toBe('2025-10-13');
  });

  it('refuses a list entry that is not a calendar date, naming the setting', () => {
    expect(() => supervisionConfigFromEnv({ SUPERVISION_WORKING_WEEKENDS: '2025-09-28,2025-02-30' })).toThrow(
      SupervisionConfigError,
    );
    expect(() => supervisionConfigFromEnv({ SUPERVISION_HOLIDAYS: '10/01/2025' })).toThrow(/holidays: "10\/01\/2025"/);
    expect(() => supervisionConfigFromEnv({ SUPERVISION_HOLIDAYS: '2025-13-01' })).toThrow(
      /holidays: "2025-13-01" is not a date/,
    );
  });
});

describe('the numeric SUPERVISION_* settings', () => {
  it.each(['', ' ', 'thirty'])('refuses "%s", naming the variable, rather than read it as a number', (value) => {
    const load = () => supervisionConfigFromEnv({ SUPERVISION_SPOT_CHECK_DAYS: value });
    expect(load).toThrow(SupervisionConfigError);
    expect(load).toThrow(`SUPERVISION_SPOT_CHECK_DAYS must be a number; got "${value}"`);
  });

  it('takes a number, within its limits', () => {
    expect(supervisionConfigFromEnv({ SUPERVISION_SPOT_CHECK_DAYS: '0' }).spotCheckFollowUpDays).toBe(0);
    expect(supervisionConfigFromEnv({ SUPERVISION_CHECKIN_RADIUS_KM: ' 2.5 ' }).checkInRadiusKm).toBe(2.5);
  });
});
