import { DEFAULT_MAX_CLOCK_SKEW_SECONDS } from '@certledger/chaincode';
import { defaultRulesConfig, rulesConfig, RulesConfigError } from './rulesConfig';

describe('the rules configuration', () => {
  it('takes the defaults, and values within bounds', () => {
    expect(rulesConfig()).toEqual(defaultRulesConfig);
    expect(rulesConfig({ clockSkewSeconds: 60 }).clockSkewSeconds).toBe(60);
  });

  it('refuses a clock skew wider than the ledger’s: the intake would take events the peers refuse as dated ahead', () => {
    expect(rulesConfig({ clockSkewSeconds: DEFAULT_MAX_CLOCK_SKEW_SECONDS }).clockSkewSeconds).toBe(300);
    expect(() => rulesConfig({ clockSkewSeconds: DEFAULT_MAX_CLOCK_SKEW_SECONDS + 1 })).toThrow(RulesConfigError);
    expect(() => rulesConfig({ clockSkewSeconds: -1 })).toThrow(/between 0 and 300/);
  });

  it('lets a transfer release last 90 days unless set otherwise, in whole days', () => {
    expect(defaultRulesConfig.transferReleaseValidDays).toBe(90);
    expect(rulesConfig({ transferReleaseValidDays: 30 }).transferReleaseValidDays).toBe(30);
    expect(() => rulesConfig({ transferReleaseValidDays: 1.5 })).toThrow(/transferReleaseValidDays/);
    expect(() => rulesConfig({ transferReleaseValidDays: -1 })).toThrow(RulesConfigError);
  });

  it('refuses values out of their range', () => {
    expect(() => rulesConfig({ minOnsiteShare: 1.5 })).toThrow(RulesConfigError);
    expect(() => rulesConfig({ maxSuspensionMonths: 2.5 })).toThrow(RulesConfigError);
  });
});
