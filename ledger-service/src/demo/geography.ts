/** Jiangsu cities and counties (GB/T 2260 codes) with approximate centres, for realistic demo clients. */
export interface County {
  readonly code: string;
  readonly name: string;
  readonly lat: number;
  readonly lon: number;
}

export interface City {
  readonly code: string;
  readonly name: string;
  readonly counties: readonly County[];
}

const c = (code: string, name: string, lat: number, lon: number): County => ({ code, name, lat, lon });

export const JIANGSU_CITIES: readonly City[] = [
  {
    code: '3201',
    name: '南京',
    counties: [
      c('320102', '玄武区', 32.0487, 118.7975),
      c('320104', '秦淮区', 32.0203, 118.7947),
      c('320105', '建邺区', 32.0035, 118.7318),
      c('320106', '鼓楼区', 32.0663, 118.7699),
      c('320111', '浦口区', 32.0589, 118.6276),
      c('320113', '栖霞区', 32.0961, 118.909),
      c('320114', '雨花台区', 31.9913, 118.7793),
      c('320115', '江宁区', 31.9527, 118.8399),
      c('320116', '六合区', 32.3224, 118.8213),
      c('320117', '溧水区', 31.6512, 119.0283),
      c('320118', '高淳区', 31.3274, 118.892),
    ],
  },
  {
    code: '3202',
    name: '无锡',
    counties: [
      c('320205', '锡山区', 31.5889, 120.3574),
      c('320206', '惠山区', 31.6812, 120.2986),
      c('320211', '滨湖区', 31.5272, 120.2833),
      c('320213', '梁溪区', 31.566, 120.2969),
      c('320214', '新吴区', 31.4902, 120.364),
      c('320281', '江阴市', 31.9202, 120.2853),
      c('320282', '宜兴市', 31.3403, 119.8234),
    ],
  },
  {
    code: '3204',
    name: '常州',
    counties: [
      c('320402', '天宁区', 31.7796, 119.9747),
      c('320404', '钟楼区', 31.8021, 119.9022),
      c('320411', '新北区', 31.8306, 119.9713),
      c('320412', '武进区', 31.7011, 119.9425),
      c('320413', '金坛区', 31.7232, 119.5977),
      c('320481', '溧阳市', 31.4163, 119.4843),
    ],
  },
  {
    code: '3205',
    name: '苏州',
    counties: [
      c('320505', '虎丘区', 31.3293, 120.5664),
      c('320506', '吴中区', 31.2623, 120.6322),
      c('320507', '相城区', 31.369, 120.6423),
      c('320508', '姑苏区', 31.3118, 120.6172),
      c('320509', '吴江区', 31.1384, 120.6451),
      c('320581', '常熟市', 31.6538, 120.7525),
      c('320582', '张家港市', 31.8755, 120.5554),
      c('320583', '昆山市', 31.3846, 120.9808),
      c('320585', '太仓市', 31.4577, 121.1301),
    ],
  },
  {
    code: '3206',
    name: '南通',
    counties: [
      c('320612', '通州区', 32.0648, 121.0731),
      c('320613', '崇川区', 32.0093, 120.8573),
      c('320614', '海门区', 31.8719, 121.1815),
      c('320623', '如东县', 32.3314, 121.1853),
      c('320681', '启东市', 31.8083, 121.6574),
      c('320685', '海安市', 32.5332, 120.4678),
    ],
  },
];

export const COUNTIES: readonly County[] = JIANGSU_CITIES.flatMap((city) => city.counties);
export const cityOf = (regionCode: string): City => JIANGSU_CITIES.find((city) => regionCode.startsWith(city.code))!;

/** Moves a point `km` kilometres in a direction (small distances; good enough for demo data). */
export function offsetKm(
  point: { lat: number; lon: number },
  km: number,
  bearingRad: number,
): { lat: number; lon: number } {
  const dLat = (km * Math.cos(bearingRad)) / 111.32;
  const dLon = (km * Math.sin(bearingRad)) / (111.32 * Math.cos((point.lat * Math.PI) / 180));
  return { lat: Math.round((point.lat + dLat) * 1e6) / 1e6, lon: Math.round((point.lon + dLon) * 1e6) / 1e6 };
}
