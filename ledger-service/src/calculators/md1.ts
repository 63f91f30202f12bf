/**
 * IAF MD1 multi-site sampling: how many sites an audit visits (domain.md §4).
 */
export type Md1Audit = 'initial' | 'surveillance' | 'recertification';

export const MD1_AUDITS: readonly Md1Audit[] = ['initial', 'surveillance', 'recertification'];

/** Sample size = ⌈factor · √sites⌉ when sampling is allowed. */
export const MD1_SAMPLE_FACTORS: Readonly<Record<Md1Audit, number>> = {
  initial: 1,
  surveillance: 0.6,
  recertification: 0.8,
};

/** Share of the sites visited per surveillance year where sampling is not allowed. */
export const MD1_UNSAMPLED_SURVEILLANCE_SHARE = 0.3;

/** The least share of the sample chosen at random. */
export const MD1_RANDOM_SHARE = 0.25;

export type Md1ErrorCode = 'invalid-sites' | 'unknown-audit';

export class Md1Error extends Error {
  constructor(
    readonly code: Md1ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'Md1Error';
  }
}

export interface Md1Input {
  /** All sites, the central function included (integer ≥ 1). */
  readonly sites: number;
  readonly audit: string;
  /** Default true. Where MD1 does not allow sampling (e.g. sites too different), pass false. */
  readonly samplingAllowed?: boolean;
}

export interface Md1Result {
  readonly input: { readonly sites: number; readonly audit: Md1Audit; readonly samplingAllowed: boolean };
  /** Sites to visit, the central function included. */
  readonly sampleSize: number;
  /** The central function is always part of the sample. */
  readonly centralFunctionIncluded: true;
  /** The least number of sampled sites (besides the central function) to choose at random. */
  readonly minimumRandom: number;
  /** How the size was found, for people reading the result. */
  readonly formula: string;
}

const EPSILON = 1e-9;
const ceil = (value: number): number => Math.ceil(value - EPSILON);

export function md1SampleSize(input: Md1Input): Md1Result {
  const { sites } = input;
  if (!Number.isSafeInteger(sites) || sites < 1) {
    throw new Md1Error(
      'invalid-sites',
      `the number of sites must be a whole number of at least 1, not ${String(sites)}`,
    );
  }
  const audit = input.audit as Md1Audit;
  if (!MD1_AUDITS.includes(audit)) throw new Md1Error('unknown-audit', `unknown audit ${JSON.stringify(input.audit)}`);
  const samplingAllowed = input.samplingAllowed ?? true;
  let sampleSize: number;
  let formula: string;
  if (samplingAllowed) {
    const factor = MD1_SAMPLE_FACTORS[audit];
    sampleSize = ceil(factor * Math.sqrt(sites));
    formula = factor === 1 ? `⌈√${sites}⌉` : `⌈${factor}·√${sites}⌉`;
  } else if (audit === 'surveillance') {
    sampleSize = ceil(MD1_UNSAMPLED_SURVEILLANCE_SHARE * sites);
    formula = `⌈${MD1_UNSAMPLED_SURVEILLANCE_SHARE}·${sites}⌉ (sampling not allowed)`;
  } else {
    sampleSize = sites;
    formula = `all ${sites} sites (sampling not allowed)`;
  }
  sampleSize = Math.min(sites, Math.max(1, sampleSize));
  const others = sampleSize - 1;
  const minimumRandom = samplingAllowed ? Math.min(others, ceil(MD1_RANDOM_SHARE * sampleSize)) : 0;
  return {
    input: { sites, audit, samplingAllowed },
    sampleSize,
    centralFunctionIncluded: true,
    minimumRandom,
    formula,
  };
}
