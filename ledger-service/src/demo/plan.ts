import { addDays, addMonths } from '@certledger/projections';
import { md5AuditTime } from '../calculators';
import { creditCodeCheckChar, CREDIT_CODE_ALPHABET } from '../certification/creditCode';
import { COUNTIES, JIANGSU_CITIES, offsetKm, type County } from './geography';

/**
 * The demo data plan: thousands of certifications over three years written as CBs would write them
 * (every event passes the ledger's rules), the supervision events regulators record, and a
 * manifest of the messy cases planted on purpose, so tests can check that every warning appears
 * where it was planted and nowhere else.
 */
export interface DemoAgency {
  readonly agencyId: string;
  readonly name: string;
  /** City code where the CB is based; most of its clients are there. */
  readonly homeCity: string;
  /** Relative audit quality: lower means lower evaluation scores. */
  readonly quality: number;
}

export const DEMO_AGENCIES: readonly DemoAgency[] = [
  { agencyId: 'CNCA-R-2002-001', name: '江苏示范质量认证中心', homeCity: '3201', quality: 0.9 },
  { agencyId: 'CNCA-R-2002-002', name: '苏州示范管理体系认证有限公司', homeCity: '3205', quality: 0.7 },
  { agencyId: 'CNCA-R-2003-002', name: '无锡示范认证有限公司', homeCity: '3202', quality: 0.8 },
  { agencyId: 'CNCA-R-2010-015', name: '南通示范检验认证有限公司', homeCity: '3206', quality: 0.6 },
];

export interface PlannedEvent {
  readonly certificationId: string;
  readonly eventId: string;
  readonly type: string;
  readonly occurredAt: string;
  readonly data: Record<string, unknown>;
}

export interface PlannedSupervisionEvent {
  readonly eventId: string;
  readonly type: string;
  readonly occurredAt: string;
  readonly caseId: string;
  readonly data: Record<string, unknown>;
}

export interface PlantedWarning {
  readonly ruleId: string;
  readonly kind: string;
  readonly certificationId: string;
  readonly auditorId?: string;
  /** Whether the warning is still open at the plan's date, or was raised and later cleared. */
  readonly state: 'open' | 'cleared';
  readonly note: string;
}

export interface DemoPlan {
  readonly today: string;
  readonly agencies: readonly DemoAgency[];
  /** Per agency, each certification's events in stream order. */
  readonly certifications: ReadonlyArray<{
    readonly agencyId: string;
    readonly certificationId: string;
    readonly regionCode: string;
    readonly scenario: string;
    readonly events: readonly PlannedEvent[];
  }>;
  readonly supervision: readonly PlannedSupervisionEvent[];
  readonly planted: readonly PlantedWarning[];
}

export interface DemoPlanOptions {
  /** The day the data ends (exclusive): events happen before it. YYYY-MM-DD, China time. */
  readonly today: string;
  readonly certifications: number;
  readonly agencies?: readonly DemoAgency[];
  readonly seed?: number;
  /** Each planted case appears at least this many times (and about 1% of certifications each). */
  readonly minPlanted?: number;
}

// ---------------------------------------------------------------------------------------------
// Small deterministic helpers
// ---------------------------------------------------------------------------------------------
/** Days since 1970-01-01 of an ISO date: auditors' calendars count in these. */
const dayNumber = (date: string): number => Date.parse(`${date}T00:00:00Z`) / 86_400_000;

function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const at = (date: string, time = '09:00'): string => `${date}T${time}:00+08:00`;
const halfUp = (days: number): number => Math.ceil(days * 2 - 1e-9) / 2;

const SCHEMES = [
  { scheme: 'QMS', standard: 'GB/T 19001-2016/ISO 9001:2015', weight: 0.6 },
  { scheme: 'EMS', standard: 'GB/T 24001-2016/ISO 14001:2015', weight: 0.25 },
  { scheme: 'OHSMS', standard: 'GB/T 45001-2020/ISO 45001:2018', weight: 0.15 },
] as const;

const INDUSTRIES: ReadonlyArray<{ sector: number; words: string; scope: string }> = [
  { sector: 17, words: '精密金属制品', scope: '金属结构件的加工' },
  { sector: 18, words: '机械制造', scope: '通用机械设备的设计和生产' },
  { sector: 19, words: '电子科技', scope: '电子元器件的生产' },
  { sector: 14, words: '塑胶制品', scope: '塑料制品的生产' },
  { sector: 12, words: '化工', scope: '化工原料的生产（危险化学品除外）' },
  { sector: 28, words: '建设工程', scope: '建筑工程施工' },
  { sector: 29, words: '商贸', scope: '五金产品的销售' },
  { sector: 33, words: '信息技术', scope: '计算机软件的开发和技术服务' },
  { sector: 3, words: '食品', scope: '糕点的生产' },
  { sector: 4, words: '纺织', scope: '纺织面料的生产' },
  { sector: 31, words: '物流', scope: '普通货物仓储和道路运输服务' },
  { sector: 35, words: '物业服务', scope: '物业管理服务' },
];
const PREFIXES = [
  '恒',
  '华',
  '瑞',
  '宏',
  '金',
  '创',
  '新',
  '东',
  '中',
  '盛',
  '鑫',
  '德',
  '嘉',
  '汇',
  '博',
  '长',
  '永',
  '天',
  '信',
  '泰',
];
const SECOND = [
  '达',
  '远',
  '通',
  '源',
  '丰',
  '隆',
  '安',
  '阳',
  '力',
  '诚',
  '欣',
  '海',
  '光',
  '宇',
  '晟',
  '润',
  '科',
  '峰',
  '祥',
  '业',
];
const SURNAMES = [
  '王',
  '李',
  '张',
  '刘',
  '陈',
  '杨',
  '黄',
  '赵',
  '吴',
  '周',
  '徐',
  '孙',
  '马',
  '朱',
  '胡',
  '郭',
  '何',
  '林',
  '高',
  '罗',
];
const GIVEN = [
  '伟',
  '芳',
  '娜',
  '敏',
  '静',
  '丽',
  '强',
  '磊',
  '军',
  '洋',
  '勇',
  '艳',
  '杰',
  '娟',
  '涛',
  '明',
  '超',
  '秀英',
  '霞',
  '平',
];

interface Auditor {
  readonly auditorId: string;
  readonly name: string;
  readonly registrationNo: string;
  readonly registrationValidUntil: string;
  readonly sectors: readonly number[];
  /** Busy days (dayNumber) → the audit that holds them. */
  readonly busy: Map<number, string>;
}

interface AgencyState {
  readonly agency: DemoAgency;
  readonly short: string;
  readonly auditors: Auditor[];
  readonly experts: Array<{ auditorId: string; name: string; sectors: number[] }>;
  readonly deciders: Array<{ personId: string; name: string }>;
  seq: number;
  certSeq: number;
}

type Scenario =
  | 'normal'
  | 'overdue'
  | 'lateSurveillance'
  | 'longSuspension'
  | 'expiredValid'
  | 'spotFail'
  | 'spotFailFollowed'
  | 'withdrawalIgnored'
  | 'withdrawalDone'
  | 'overlap'
  | 'expertOnly'
  | 'teamChanged'
  | 'checkinMissing'
  | 'checkoutMissing'
  | 'checkinFar'
  | 'planReportedLate'
  | 'statusNotReported'
  | 'resultNotReported'
  | 'conflict';

const PLANTED_SCENARIOS: readonly Scenario[] = [
  'overdue',
  'lateSurveillance',
  'longSuspension',
  'expiredValid',
  'spotFail',
  'spotFailFollowed',
  'withdrawalIgnored',
  'withdrawalDone',
  'overlap',
  'expertOnly',
  'teamChanged',
  'checkinMissing',
  'checkoutMissing',
  'checkinFar',
  'planReportedLate',
  'statusNotReported',
  'resultNotReported',
  'conflict',
];

export function createDemoPlan(options: DemoPlanOptions): DemoPlan {
  const random = prng(options.seed ?? 20260101);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const int = (lo: number, hi: number): number => lo + Math.floor(random() * (hi - lo + 1));
  const uuid = (): string => {
    const hex = Array.from({ length: 32 }, () => Math.floor(random() * 16).toString(16)).join('');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${'89ab'[Math.floor(random() * 4)]}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  };
  const today = options.today;
  const agencies = options.agencies ?? DEMO_AGENCIES;
  const personName = () => pick(SURNAMES) + pick(GIVEN);
  const usedCodes = new Set<string>();
  const creditCode = (county: string): string => {
    for (;;) {
      const body = `91${county}${Array.from({ length: 9 }, () => CREDIT_CODE_ALPHABET[Math.floor(random() * 31)]).join('')}`;
      const code = body + creditCodeCheckChar(body)!;
      if (!usedCodes.has(code)) {
        usedCodes.add(code);
        return code;
      }
    }
  };

  // An auditor's year holds the audits of about 30 certifications; a CB has at least 40 of them.
  const auditorsPerAgency = Math.max(40, Math.ceil(options.certifications / agencies.length / 30));
  const states: AgencyState[] = agencies.map((agency, i) => {
    const short = agency.agencyId.replace(/^CNCA-R-/, '').replace(/-/g, '');
    const auditors: Auditor[] = Array.from({ length: auditorsPerAgency }, (_, k) => ({
      auditorId: `AU-${short}-${String(k + 1).padStart(3, '0')}`,
      name: personName(),
      registrationNo: `2026-N1QMS-${String(1_000_000 + i * 1000 + (k % 1000) + Math.floor(k / 1000) * 10_000).slice(1)}`,
      registrationValidUntil: addMonths(today, int(14, 40)),
      sectors: [...new Set(Array.from({ length: 5 }, () => pick(INDUSTRIES).sector))],
      busy: new Map(),
    }));
    // Every industry has at least two auditors in every CB.
    INDUSTRIES.forEach((industry, k) => {
      for (const a of [auditors[k % auditors.length]!, auditors[(k + 17) % auditors.length]!]) {
        if (!a.sectors.includes(industry.sector)) (a.sectors as number[]).push(industry.sector);
      }
    });
    return {
      agency,
      short,
      auditors,
      experts: Array.from({ length: 6 }, (_, k) => ({
        auditorId: `EX-${short}-${k + 1}`,
        name: personName(),
        sectors: INDUSTRIES.map((x) => x.sector),
      })),
      deciders: Array.from({ length: 4 }, (_, k) => ({ personId: `DM-${short}-${k + 1}`, name: personName() })),
      seq: 0,
      certSeq: 0,
    };
  });

  const weighted = (list: readonly AgencyState[]): AgencyState => {
    const weights = list.map((s) => (1 - s.agency.quality) ** 2 + 0.001);
    let roll = random() * weights.reduce((a, b) => a + b, 0);
    for (const [i, w] of weights.entries()) {
      roll -= w;
      if (roll <= 0) return list[i]!;
    }
    return list[list.length - 1]!;
  };
  const certifications: Array<{
    agencyId: string;
    certificationId: string;
    regionCode: string;
    scenario: string;
    events: PlannedEvent[];
  }> = [];
  const supervision: PlannedSupervisionEvent[] = [];
  const planted: PlantedWarning[] = [];
  const supervise = (type: string, date: string, data: Record<string, unknown>) => {
    if (date >= today) return;
    const eventId = uuid();
    supervision.push({
      eventId,
      type,
      occurredAt: at(date, '15:00'),
      caseId: `${type === 'AuditTeamEvaluated' ? 'EVAL' : 'CASE'}-${eventId.slice(0, 8)}`,
      data,
    });
  };

  // The scenarios to plant, spread over the run; the rest are normal.
  const total = options.certifications;
  const minPlanted = options.minPlanted ?? 2;
  const perScenario = Math.max(minPlanted, Math.round(total * 0.01));
  const scenarios: Scenario[] = Array.from({ length: total }, () => 'normal');
  let slot = 0;
  for (const scenario of PLANTED_SCENARIOS) {
    for (let k = 0; k < perScenario; k += 1) {
      scenarios[(slot * 7919) % total] = scenario;
      slot += 1;
    }
  }
  if (slot > total) throw new Error(`${total} certifications are too few for ${slot} planted cases`);

  type Client = {
    name: string;
    creditCode: string;
    county: County;
    sector: (typeof INDUSTRIES)[number];
    employees: number;
    lat: number;
    lon: number;
    address: string;
  };
  const conflictClients: Array<{ client: Client; state: AgencyState }> = [];

  for (let n = 0; n < total; n += 1) {
    const scenario = scenarios[n]!;
    const conflictSecond = scenario === 'conflict' && conflictClients.length > 0;
    const partner = conflictSecond ? conflictClients.shift()! : undefined;
    // Planted problems fall more often on the CBs of lower quality (so the grades differ).
    const state = partner
      ? states.find((s) => s !== partner.state)!
      : scenario === 'normal'
        ? states[Math.floor(random() * states.length)]!
        : weighted(states);
    const agency = state.agency;
    const home = JIANGSU_CITIES.find((city) => city.code === agency.homeCity) ?? JIANGSU_CITIES[0]!;
    const county = random() < 0.55 ? pick(home.counties) : pick(COUNTIES);
    const industry = pick(INDUSTRIES);
    const schemeRoll = random();
    const schemeInfo =
      scenario === 'conflict'
        ? SCHEMES[0]
        : schemeRoll < 0.6
          ? SCHEMES[0]
          : schemeRoll < 0.85
            ? SCHEMES[1]
            : SCHEMES[2];
    const complexity =
      schemeInfo.scheme === 'QMS'
        ? undefined
        : pick(schemeInfo.scheme === 'EMS' ? ['high', 'medium', 'low', 'limited'] : ['high', 'medium', 'low']);
    const employees = Math.max(3, Math.round(Math.exp(Math.log(3) + random() * (Math.log(1500) - Math.log(3)))));
    const site = offsetKm(county, random() * 4, random() * 2 * Math.PI);
    let client: Client = {
      name: `${home.name === '南京' && county.code.startsWith('3201') ? '南京' : ''}${pick(PREFIXES)}${pick(SECOND)}${industry.words}有限公司`,
      creditCode: creditCode(county.code),
      county,
      sector: industry,
      employees,
      lat: site.lat,
      lon: site.lon,
      address: `江苏省${county.name}${pick(PREFIXES)}${pick(SECOND)}路${int(1, 300)}号`,
    };
    // A conflict pair: the same client certified again at another CB.
    if (partner) client = { ...partner.client };
    else if (scenario === 'conflict') conflictClients.push({ client, state });
    state.certSeq += 1;
    const certificationId = `${state.short}-${String(state.certSeq).padStart(5, '0')}`;
    const events: PlannedEvent[] = [];
    const cert = { agencyId: agency.agencyId, certificationId, regionCode: client.county.code, scenario, events };
    certifications.push(cert);

    // ---- the stream writer -----------------------------------------------------------------
    let stopped = false;
    const limit = { date: today };
    const add = (type: string, date: string, time: string, data: Record<string, unknown>): string | undefined => {
      if (stopped || date >= limit.date) {
        stopped = true;
        return undefined;
      }
      const eventId = uuid();
      events.push({ certificationId, eventId, type, occurredAt: at(date, time), data });
      return eventId;
    };
    const report = (kind: string, subject: string | undefined, date: string, time: string, skip = false) => {
      if (!subject || skip) return;
      add('ReportedToCnca', date, time, { certificationId, kind, subjectEventId: subject, reportedAt: at(date, time) });
    };

    // ---- audits ------------------------------------------------------------------------------
    const freeFrom = (a: Auditor, first: number, days: number) => {
      for (let d = 0; d < days; d += 1) if (a.busy.has(first + d)) return false;
      return true;
    };
    const busyFree = (a: Auditor, start: string, days: number) => freeFrom(a, dayNumber(start), days);
    const book = (a: Auditor, start: string, days: number, key: string) => {
      const first = dayNumber(start);
      for (let d = 0; d < days; d += 1) a.busy.set(first + d, key);
    };
    const release = (a: Auditor, start: string, days: number) => {
      const first = dayNumber(start);
      for (let d = 0; d < days; d += 1) a.busy.delete(first + d);
    };
    /** A team free on the audit days, the leader covering the sector; the start moves until one is found. */
    const team = (
      start: string,
      days: number,
      size: number,
      opts: { noSectorLeader?: boolean; forceBusy?: boolean } = {},
    ) => {
      for (let shift = 0; shift < 60; shift += 1) {
        const s = addDays(start, shift);
        const first = dayNumber(s);
        const after = addDays(s, days);
        const candidates = state.auditors.filter((a) => freeFrom(a, first, days) && a.registrationValidUntil > after);
        const leaders = candidates.filter((a) =>
          opts.noSectorLeader ? !a.sectors.includes(client.sector.sector) : a.sectors.includes(client.sector.sector),
        );
        if (leaders.length === 0) continue;
        const leader = pick(leaders);
        const others = candidates.filter(
          (a) => a !== leader && (!opts.noSectorLeader || !a.sectors.includes(client.sector.sector)),
        );
        if (others.length < size - 1) continue;
        const members = [leader];
        while (members.length < size) {
          const other = pick(others);
          if (!members.includes(other)) members.push(other);
        }
        if (opts.forceBusy) {
          const busy = state.auditors.filter(
            (a) => !members.includes(a) && !freeFrom(a, first, days) && a.registrationValidUntil > after,
          );
          const overlapping = busy.filter((a) => a.busy.get(first)?.startsWith('C:'));
          if (overlapping.length === 0) continue;
          members.push(pick(overlapping));
        }
        return { start: s, members };
      }
      return undefined;
    };
    const memberData = (a: Auditor, role: string) => ({
      auditorId: a.auditorId,
      name: a.name,
      role,
      registrationNo: a.registrationNo,
      registrationValidUntil: a.registrationValidUntil,
      sectors: [...a.sectors],
    });
    const place = { lat: client.lat, lon: client.lon };
    const checkIns = (
      members: readonly { auditorId: string }[],
      start: string,
      end: string,
      anomalies: { missing?: string; noOut?: string; far?: string } = {},
    ) =>
      members.flatMap((m) => {
        if (m.auditorId === anomalies.missing) return [];
        const near = (km: number) => offsetKm(place, km, random() * 2 * Math.PI);
        const inAt =
          m.auditorId === anomalies.far
            ? offsetKm(place, 15 + random() * 25, random() * 2 * Math.PI)
            : near(random() * 0.4);
        const list = [{ auditorId: m.auditorId, kind: 'in', at: at(start, '08:3' + int(0, 9)), ...inAt }];
        if (m.auditorId !== anomalies.noOut)
          list.push({ auditorId: m.auditorId, kind: 'out', at: at(end, '17:3' + int(0, 9)), ...near(random() * 0.4) });
        return list;
      });

    interface AuditOptions {
      readonly kind: string;
      readonly auditId: string;
      readonly earliest: string;
      readonly days: number;
      readonly size: number;
      readonly noSectorLeader?: boolean;
      readonly forceBusy?: boolean;
      readonly expert?: boolean;
      readonly lateReport?: boolean;
      readonly skipResultReport?: boolean;
      readonly changeTeam?: boolean;
      readonly anomaly?: 'missing' | 'noOut' | 'far';
      /** Days between the team assignment and the audit's start (default 18–25). */
      readonly lead?: number;
    }
    /** Assign, plan (reported), conduct (reported): returns the audit's dates and team, or undefined past the limit. */
    const audit = (o: AuditOptions) => {
      if (stopped) return undefined;
      const calendar = Math.max(1, Math.ceil(o.days / o.size));
      const found = team(o.earliest, calendar, o.size, {
        ...(o.noSectorLeader ? { noSectorLeader: true } : {}),
        ...(o.forceBusy ? { forceBusy: true } : {}),
      });
      if (!found || addDays(found.start, calendar + 2) >= limit.date) {
        stopped = true;
        return undefined;
      }
      const { start } = found;
      const end = addDays(start, calendar - 1);
      const members = found.members.map((a, i) => memberData(a, i === 0 ? 'leader' : 'auditor'));
      if (o.expert) {
        const expert = pick(state.experts);
        members.push({
          auditorId: expert.auditorId,
          name: expert.name,
          role: 'expert',
          sectors: [client.sector.sector],
        } as never);
      }
      const key = `C:${certificationId}/${o.auditId}`;
      // The auditor planted on two audits at once keeps the other audit's days and takes the free ones.
      const firstDay = dayNumber(start);
      for (const a of found.members)
        for (let d = 0; d < calendar; d += 1) if (!a.busy.has(firstDay + d)) a.busy.set(firstDay + d, key);
      const assigned = addDays(start, -(o.lead ?? int(18, 25)));
      add('AuditTeamAssigned', assigned, '10:00', { auditId: o.auditId, kind: o.kind, members });
      const planned = addDays(assigned, 1);
      const plan = add('AuditPlanned', planned, '10:00', {
        auditId: o.auditId,
        mode: 'onsite',
        start,
        end,
        auditDays: o.days,
        onsiteDays: o.days,
      });
      if (o.lateReport) report('audit_plan', plan, addDays(start, 2), '11:00');
      else report('audit_plan', plan, planned, '11:00');
      let conductedTeam = members;
      if (o.changeTeam && found.members.length > 1) {
        const old = found.members[found.members.length - 1]!;
        const replacement = state.auditors.find(
          (a) =>
            !found.members.includes(a) && busyFree(a, start, calendar) && a.registrationValidUntil > addDays(end, 1),
        );
        if (replacement) {
          release(old, start, calendar);
          book(replacement, start, calendar, key);
          conductedTeam = [...members.slice(0, -1), memberData(replacement, 'auditor')];
          add('AuditTeamAssigned', addDays(planned, 3), '10:00', {
            auditId: o.auditId,
            kind: o.kind,
            members: conductedTeam,
          });
        }
      }
      const anomalies =
        o.anomaly === 'missing'
          ? { missing: conductedTeam[conductedTeam.length - 1]!.auditorId }
          : o.anomaly === 'noOut'
            ? { noOut: conductedTeam[0]!.auditorId }
            : o.anomaly === 'far'
              ? { far: conductedTeam[conductedTeam.length - 1]!.auditorId }
              : {};
      const conducted = add('AuditConducted', end, '18:00', {
        auditId: o.auditId,
        start,
        end,
        checkIns: checkIns(conductedTeam, start, end, anomalies),
      });
      report('audit_result', conducted, end, '19:00', o.skipResultReport);
      return { start, end, members: conductedTeam, anomalies };
    };

    // ---- the initial certification -----------------------------------------------------------
    const table = (kind: 'initial' | 'surveillance' | 'recertification') =>
      md5AuditTime({
        scheme: schemeInfo.scheme,
        ...(complexity ? { complexity } : {}),
        effectivePersonnel: client.employees,
        audit: kind,
      }).days;
    const initial = table('initial');
    const stage1Days = Math.max(0.5, halfUp(initial * 0.3));
    const stage2Days = Math.max(0.5, initial - stage1Days);
    const monthsBack: Partial<Record<Scenario, [number, number]>> = {
      overdue: [16, 24],
      lateSurveillance: [19, 30],
      longSuspension: [22, 27],
      expiredValid: [40, 41],
      spotFail: [9, 30],
      spotFailFollowed: [9, 30],
      withdrawalIgnored: [9, 30],
      withdrawalDone: [9, 30],
      overlap: [4, 34],
      expertOnly: [3, 34],
      teamChanged: [16, 30],
      checkinMissing: [16, 30],
      checkoutMissing: [16, 30],
      checkinFar: [16, 30],
      planReportedLate: [3, 34],
      statusNotReported: [19, 30],
      resultNotReported: [19, 30],
      conflict: conflictSecond ? [5, 6] : [12, 13],
    };
    const [lo, hi] = monthsBack[scenario] ?? [2, 40];
    const applied = addDays(addMonths(today, -int(lo, hi)), -int(0, 25));
    const region = client.county;
    const application = add('ApplicationSubmitted', applied, '09:00', {
      client: {
        name: client.name,
        creditCode: client.creditCode,
        regionCode: region.code,
        address: client.address,
        employees: client.employees,
        lat: client.lat,
        lon: client.lon,
      },
      scheme: schemeInfo.scheme,
      standard: schemeInfo.standard,
      scope: client.sector.scope,
      sectors: [client.sector.sector],
      ...(complexity ? { complexity } : {}),
      managementSystem: {
        operatingSince: addMonths(applied, -int(6, 60)),
        lastInternalAudit: addDays(applied, -int(20, 60)),
        lastManagementReview: addDays(applied, -int(5, 19)),
      },
    });
    if (!application) continue;
    if (scenario === 'normal' && random() < 0.03) {
      add('ApplicationReviewed', addDays(applied, 2), '10:00', {
        outcome: 'rejected',
        reason: '申请范围超出认证机构批准的业务范围',
      });
      continue;
    }
    add('ApplicationReviewed', addDays(applied, 2), '10:00', { outcome: 'accepted' });
    add('ContractSigned', addDays(applied, 5), '10:00', {
      contractNo: `HT-${certificationId}`,
      signedAt: addDays(applied, 5),
    });
    const s1 = audit({ kind: 'stage1', auditId: 'S1', earliest: addDays(applied, 35), days: stage1Days, size: 1 });
    if (!s1) continue;
    const s2 = audit({
      kind: 'stage2',
      auditId: 'S2',
      earliest: addDays(s1.end, 14),
      days: stage2Days,
      size: stage2Days >= 2 ? 2 : 1,
      lead: 10,
      ...(scenario === 'expertOnly' ? { noSectorLeader: true, expert: true } : {}),
      ...(scenario === 'planReportedLate' ? { lateReport: true } : {}),
      ...(scenario === 'overlap' ? { forceBusy: true } : {}),
    });
    if (!s2) continue;
    if (scenario === 'expertOnly')
      planted.push({
        ruleId: 'W8',
        kind: 'sector-covered-by-expert-only',
        certificationId,
        state: 'open',
        note: 'stage 2 sector covered only by a technical expert',
      });
    if (scenario === 'planReportedLate')
      planted.push({
        ruleId: 'W10',
        kind: 'reported-late',
        certificationId,
        state: 'cleared',
        note: 'stage 2 plan reported two days after the audit began',
      });
    if (scenario === 'overlap') {
      const busy = s2.members[s2.members.length - 1]!;
      const calendar = state.auditors.find((a) => a.auditorId === busy.auditorId)!.busy;
      const others = new Set<string>();
      for (let day = dayNumber(s2.start); day <= dayNumber(s2.end); day += 1) {
        const holder = calendar.get(day);
        if (holder) others.add(holder.slice(2));
      }
      for (const other of others) {
        planted.push({
          ruleId: 'W8',
          kind: 'auditor-overlap',
          certificationId,
          auditorId: busy.auditorId,
          state: 'open',
          note: `auditor also on ${other}`,
        });
        planted.push({
          ruleId: 'W8',
          kind: 'auditor-overlap',
          certificationId: other.split('/')[0]!,
          auditorId: busy.auditorId,
          state: 'open',
          note: `auditor also on ${certificationId}/S2`,
        });
      }
    }
    let ready = addDays(s2.end, 3);
    if (random() < 0.3) {
      const major = random() < 0.2;
      const raised = add('FindingRaised', s2.end, '19:00', {
        auditId: 'S2',
        findingId: 'NC-1',
        grade: major ? 'major' : 'minor',
        clause: pick(['7.1.5', '8.5.1', '9.2', '6.1.2', '8.4']),
        description: '现场抽查的记录不完整',
      });
      if (!raised) continue;
      const closed = addDays(s2.end, major ? 20 : 7);
      add(
        'FindingClosed',
        closed,
        '10:00',
        major
          ? {
              findingId: 'NC-1',
              correction: '补充记录',
              correctiveAction: '修订记录控制程序并培训',
              verifiedBy: s2.members[0]!.name,
              verifiedAt: closed,
            }
          : { findingId: 'NC-1', correctiveAction: '纠正措施计划已接受' },
      );
      ready = addDays(closed, 1);
    }
    if (
      !add('AuditReportSubmitted', ready, '10:00', {
        auditId: 'S2',
        reportSha256: sha(uuid()),
        recommendation: '推荐注册',
      })
    )
      continue;
    const decider = pick(state.deciders);
    const decided = addDays(ready, int(3, 8));
    if (!add('CertificationDecided', decided, '10:00', { auditId: 'S2', decision: 'grant', decisionMaker: decider }))
      continue;
    if (random() < 0.3) evaluate(s2.members, 'S2', decided);

    // ---- cycles ------------------------------------------------------------------------------
    let issued = addDays(decided, 1);
    let cycle = 1;
    let certificateNo = `${state.short}${issued.slice(2, 4)}Q${String(++state.seq).padStart(5, '0')}R${cycle - 1}M`;
    let validUntil = addDays(addMonths(decided, 36), -1);
    const issue = () => {
      const id = add('CertificateIssued', issued, '10:00', {
        certificateNo,
        issuedAt: issued,
        validUntil,
        scope: client.sector.scope,
        sectors: [client.sector.sector],
      });
      report('certificate', id, issued, '11:00');
      return id;
    };
    if (!issue()) continue;

    const statusChange = (type: string, date: string, data: Record<string, unknown>, skipReport = false) => {
      const id = add(type, date, '10:00', data);
      report('status_change', id, addDays(date, int(0, 3)), '16:00', skipReport);
      return id;
    };

    if (conflictSecond) {
      planted.push({
        ruleId: 'W13',
        kind: 'conflicting-status',
        certificationId,
        state: 'open',
        note: 'the same client withdrawn at another CB for QMS',
      });
      continue;
    }
    if (scenario === 'conflict') {
      statusChange('CertificateWithdrawn', addDays(issued, int(100, 130)), { reason: '获证组织存在严重违法行为' });
      continue;
    }
    if (scenario === 'overdue') {
      planted.push({
        ruleId: 'W1',
        kind: 'surveillance-overdue',
        certificationId,
        state: 'open',
        note: 'no surveillance since issue',
      });
      continue;
    }
    const withdrawalScenario = scenario === 'withdrawalIgnored' || scenario === 'withdrawalDone';
    const spotScenario = scenario === 'spotFail' || scenario === 'spotFailFollowed';
    // Supervision acts on a certificate in its first year, before its first surveillance.
    if (withdrawalScenario || spotScenario) {
      const on = addDays(issued, int(20, 60));
      if (addDays(on, 45) >= today) throw new Error(`planned ${scenario} too late for ${certificationId}`);
      if (withdrawalScenario)
        supervise('WithdrawalTriggerRecorded', on, {
          certificateNo,
          trigger: '获证组织被列入严重违法失信名单',
          recordedOn: on,
        });
      if (scenario === 'withdrawalIgnored')
        planted.push({
          ruleId: 'W11',
          kind: 'withdrawal-overdue',
          certificationId,
          state: 'open',
          note: 'trigger recorded, certificate still valid',
        });
      if (scenario === 'withdrawalDone') {
        statusChange('CertificateWithdrawn', addDays(on, 2), { reason: '获证组织被列入严重违法失信名单' });
        continue;
      }
      if (spotScenario) {
        supervise('SpotCheckRecorded', on, {
          creditCode: client.creditCode,
          certificateNo,
          result: 'fail',
          checkedAt: on,
          authority: '国家市场监督管理总局',
          summary: '产品质量国家监督抽查不合格',
        });
      }
      // A follow-up needs a free qualified auditor: in a large data set their calendars fill up,
      // and the case is then one of a failed spot check without follow-up.
      const followedUp =
        scenario === 'spotFailFollowed' &&
        audit({ kind: 'special', auditId: 'SP1', earliest: addDays(on, 6), days: 1, size: 1, lead: 4 });
      if (scenario === 'spotFail' || (scenario === 'spotFailFollowed' && !followedUp))
        planted.push({
          ruleId: 'W7',
          kind: 'spot-check-without-follow-up',
          certificationId,
          state: 'open',
          note: 'failed spot check, no special audit',
        });
    }
    if (random() < 0.02)
      supervise('SpotCheckRecorded', addDays(issued, int(30, 200)), {
        creditCode: client.creditCode,
        result: 'pass',
        checkedAt: addDays(issued, int(30, 200)),
        authority: '江苏省市场监督管理局',
      });
    if (random() < 0.01)
      supervise('ComplaintRecorded', addDays(issued, int(30, 200)), {
        creditCode: client.creditCode,
        agencyId: agency.agencyId,
        certificateNo,
        receivedAt: addDays(issued, int(30, 200)),
        subject: '认证证书覆盖范围与实际经营不符',
        substantiated: random() < 0.4,
      });

    while (!stopped) {
      // First surveillance within 12 months of issue, the second within 12 of the first.
      const late = scenario === 'lateSurveillance' && cycle === 1;
      const sv1Earliest = late
        ? addDays(addMonths(issued, 13), int(5, 15))
        : addDays(addMonths(issued, 10), int(0, 15));
      const size = (d: number) => (d >= 2 ? 2 : 1);
      const sDays = table('surveillance');
      const special: Partial<AuditOptions> =
        cycle === 1 && scenario === 'teamChanged'
          ? ({ changeTeam: true, size: 2 } as const)
          : cycle === 1 && scenario === 'checkinMissing'
            ? ({ anomaly: 'missing', size: 2 } as const)
            : cycle === 1 && scenario === 'checkoutMissing'
              ? ({ anomaly: 'noOut' } as const)
              : cycle === 1 && scenario === 'checkinFar'
                ? ({ anomaly: 'far', size: 2 } as const)
                : cycle === 1 && scenario === 'resultNotReported'
                  ? ({ skipResultReport: true } as const)
                  : {};
      const v1 = audit({
        kind: 'surveillance',
        auditId: `C${cycle}-V1`,
        earliest: sv1Earliest,
        days: sDays,
        size: size(sDays),
        ...special,
      });
      if (!v1) break;
      if (late)
        planted.push({
          ruleId: 'W1',
          kind: 'surveillance-overdue',
          certificationId,
          state: 'cleared',
          note: `first surveillance ${v1.start}, after 12 months`,
        });
      if (cycle === 1 && scenario === 'teamChanged')
        planted.push({
          ruleId: 'W8',
          kind: 'team-changed-after-report',
          certificationId,
          state: 'open',
          note: 'second auditor replaced after the plan was reported',
        });
      if (cycle === 1 && scenario === 'checkinMissing')
        planted.push({
          ruleId: 'W9',
          kind: 'member-missing',
          certificationId,
          auditorId: v1.anomalies.missing!,
          state: 'open',
          note: 'auditor never checked in',
        });
      if (cycle === 1 && scenario === 'checkoutMissing')
        planted.push({
          ruleId: 'W9',
          kind: 'missing-check-in-out',
          certificationId,
          auditorId: v1.anomalies.noOut!,
          state: 'open',
          note: 'leader never checked out',
        });
      if (cycle === 1 && scenario === 'checkinFar')
        planted.push({
          ruleId: 'W9',
          kind: 'location-deviation',
          certificationId,
          auditorId: v1.anomalies.far!,
          state: 'open',
          note: 'check-in 15–40 km from the site',
        });
      if (cycle === 1 && scenario === 'resultNotReported')
        planted.push({
          ruleId: 'W10',
          kind: 'not-reported',
          certificationId,
          state: 'open',
          note: 'surveillance result never reported',
        });
      if (scenario === 'longSuspension' && cycle === 1) {
        statusChange('CertificateSuspended', addDays(v1.end, 30), {
          reason: '获证组织未按期接受监督审核整改',
          until: addMonths(addDays(v1.end, 30), 6),
        });
        planted.push({
          ruleId: 'W2',
          kind: 'suspension-past-limit',
          certificationId,
          state: 'open',
          note: 'suspended, neither restored nor withdrawn',
        });
        break;
      }
      if ((scenario === 'statusNotReported' && cycle === 1) || (scenario === 'normal' && random() < 0.03)) {
        const on = addDays(v1.end, 30);
        const suspended = statusChange(
          'CertificateSuspended',
          on,
          { reason: '获证组织暂停生产', until: addMonths(on, 3) },
          scenario === 'statusNotReported',
        );
        if (suspended && scenario === 'statusNotReported')
          planted.push({
            ruleId: 'W10',
            kind: 'not-reported',
            certificationId,
            state: 'open',
            note: 'suspension never reported to CNCA',
          });
        if (!statusChange('CertificateRestored', addDays(on, 45), { reason: '恢复生产，整改验证通过' })) break;
      }
      if (scenario === 'normal' && random() < 0.02) {
        statusChange('CertificateCancelled', addDays(v1.end, 100), { reason: '获证组织申请注销' });
        break;
      }
      const v2 = audit({
        kind: 'surveillance',
        auditId: `C${cycle}-V2`,
        earliest: [addDays(addMonths(v1.start, 10), int(0, 15)), addDays(addMonths(issued, 21), int(0, 10))].sort()[1]!,
        days: sDays,
        size: size(sDays),
      });
      if (!v2) break;
      const renew = scenario !== 'expiredValid' && (random() < 0.8 || addDays(validUntil, 1) >= today);
      if (!renew) {
        if (scenario === 'expiredValid') {
          if (addDays(validUntil, 20) >= today) throw new Error(`planned expiry too late for ${certificationId}`);
          planted.push({
            ruleId: 'W3',
            kind: 'valid-after-expiry',
            certificationId,
            state: 'open',
            note: 'expired without recertification, no CertificateExpired',
          });
          break;
        }
        statusChange('CertificateExpired', addDays(validUntil, 1), {});
        break;
      }
      const rDays = table('recertification');
      const r = audit({
        kind: 'recertification',
        auditId: `C${cycle}-R`,
        earliest: addDays([addMonths(validUntil, -3), addMonths(v2.start, 11)].sort()[0]!, -int(0, 10)),
        days: rDays,
        size: size(rDays),
      });
      if (!r) break;
      const reportOn = addDays(r.end, 3);
      if (
        !add('AuditReportSubmitted', reportOn, '10:00', {
          auditId: `C${cycle}-R`,
          reportSha256: sha(uuid()),
          recommendation: '推荐再认证',
        })
      )
        break;
      const decidedAgain = addDays(reportOn, int(3, 8));
      if (
        !add('CertificationDecided', decidedAgain, '10:00', {
          auditId: `C${cycle}-R`,
          decision: 'grant',
          decisionMaker: pick(state.deciders),
        })
      )
        break;
      cycle += 1;
      issued = addDays(decidedAgain, 1);
      certificateNo = `${state.short}${issued.slice(2, 4)}Q${String(++state.seq).padStart(5, '0')}R${cycle - 1}M`;
      validUntil = addDays(addMonths(decidedAgain, 36), -1);
      if (!issue()) break;
    }

    function evaluate(members: ReadonlyArray<{ auditorId: string; role: string }>, auditId: string, date: string) {
      const score = () => Math.max(1, Math.min(5, Math.round(3 + agency.quality * 2.2 + (random() - 0.5) * 1.6)));
      const on = addDays(date, int(1, 10));
      if (on >= today) return;
      supervise('AuditTeamEvaluated', on, {
        certificationId,
        auditId,
        evaluatorRole: 'client',
        ratings: members.map((m) => ({ auditorId: m.auditorId, score: score() })),
      });
      const others = members.filter((m) => m.role !== 'leader');
      if (others.length > 0)
        supervise('AuditTeamEvaluated', on, {
          certificationId,
          auditId,
          evaluatorRole: 'team_leader',
          ratings: others.map((m) => ({ auditorId: m.auditorId, score: score() })),
        });
      supervise('AuditTeamEvaluated', on, {
        certificationId,
        auditId,
        evaluatorRole: 'decision_reviewer',
        ratings: members.map((m) => ({ auditorId: m.auditorId, score: score() })),
      });
    }
  }
  // Streams are written in time order; a special audit planned later may sit among later events.
  for (const c of certifications) c.events.sort((a, b) => a.occurredAt.localeCompare(b.occurredAt));
  supervision.sort((a, b) => a.occurredAt.localeCompare(b.occurredAt));
  return { today, agencies, certifications, supervision, planted };
}

function sha(seed: string): string {
  // A stand-in digest of a report document (64 hex characters), deterministic from the seed.
  let out = '';
  let h = 2166136261;
  for (let i = 0; out.length < 64; i += 1) {
    h = Math.imul(h ^ seed.charCodeAt(i % seed.length), 16777619) >>> 0;
    out += (h & 0xffff).toString(16).padStart(4, '0');
  }
  return out.slice(0, 64);
}
