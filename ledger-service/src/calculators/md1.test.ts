import { md1SampleSize, Md1Error } from './md1';

describe('IAF MD1 sample sizes', () => {
  it.each([
    // sites, initial ⌈√x⌉, surveillance ⌈0.6√x⌉, recertification ⌈0.8√x⌉
    [1, 1, 1, 1],
    [2, 2, 1, 2],
    [4, 2, 2, 2],
    [9, 3, 2, 3],
    [10, 4, 2, 3],
    [25, 5, 3, 4],
    [26, 6, 4, 5],
    [100, 10, 6, 8],
    [101, 11, 7, 9],
  ])('%i sites: initial %i, surveillance %i, recertification %i', (sites, initial, surveillance, recertification) => {
    expect(md1SampleSize({ sites, audit: 'initial' }).sampleSize).toBe(initial);
    expect(md1SampleSize({ sites, audit: 'surveillance' }).sampleSize).toBe(surveillance);
    expect(md1SampleSize({ sites, audit: 'recertification' }).sampleSize).toBe(recertification);
  });

  it('includes the central function and picks at least a quarter at random', () => {
    const result = md1SampleSize({ sites: 50, audit: 'initial' });
    expect(result).toMatchObject({ sampleSize: 8, centralFunctionIncluded: true, minimumRandom: 2 });
    expect(result.input).toEqual({ sites: 50, audit: 'initial', samplingAllowed: true });
    expect(md1SampleSize({ sites: 1, audit: 'initial' }).minimumRandom).toBe(0);
    expect(md1SampleSize({ sites: 3, audit: 'initial' }).minimumRandom).toBe(1);
  });

  it('visits all sites at initial and recertification when sampling is not allowed', () => {
    expect(md1SampleSize({ sites: 12, audit: 'initial', samplingAllowed: false }).sampleSize).toBe(12);
    expect(md1SampleSize({ sites: 12, audit: 'recertification', samplingAllowed: false }).sampleSize).toBe(12);
  });

  it('visits 30% per surveillance year when sampling is not allowed', () => {
    expect(md1SampleSize({ sites: 10, audit: 'surveillance', samplingAllowed: false }).sampleSize).toBe(3);
    expect(md1SampleSize({ sites: 12, audit: 'surveillance', samplingAllowed: false }).sampleSize).toBe(4);
    expect(md1SampleSize({ sites: 2, audit: 'surveillance', samplingAllowed: false }).sampleSize).toBe(1);
  });

  it.each([
    [{ sites: 0, audit: 'initial' }, 'invalid-sites'],
    [{ sites: 2.5, audit: 'initial' }, 'invalid-sites'],
    [{ sites: 2 ** 53 + 2, audit: 'initial' }, 'invalid-sites'],
    [{ sites: 4, audit: 'stage1' }, 'unknown-audit'],
  ])('%j → %s', (input, code) => {
    expect(() => md1SampleSize(input)).toThrow(Md1Error);
    try {
      md1SampleSize(input);
    } catch (error) {
      expect((error as Md1Error).code).toBe(code);
    }
  });
});
