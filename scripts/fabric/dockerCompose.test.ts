/** docker-compose.yml cannot run on this machine: check that it agrees with network-config/. */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { loadNetworkEnv, ROOT } = require('./lib/network') as {
  loadNetworkEnv: () => Record<string, string>;
  ROOT: string;
};

interface Service {
  image?: string;
  hostname?: string;
  command?: string;
  environment?: Record<string, string>;
  ports?: string[];
  expose?: string[];
  volumes?: string[];
  depends_on?: string[] | Record<string, unknown>;
}

const env = loadNetworkEnv();
const compose = parse(readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
};
const services = compose.services;
const published = (s: Service) => (s.ports ?? []).map((p) => p.split(':'));
const coreYaml = readFileSync(path.join(ROOT, 'network-config', 'peer', 'core.yaml'), 'utf8');

describe('docker-compose.yml', () => {
  it('has the production topology', () => {
    expect(Object.keys(services).sort()).toEqual(
      [
        'ca-cb',
        'ca-orderer',
        'ca-regulator',
        'chaincode-cb',
        'chaincode-regulator',
        'enroll',
        'kurrentdb',
        'ledger-service',
        'network-init',
        'orderer0',
        'peer0-cb',
        'peer0-regulator',
        'projections',
      ].sort(),
    );
  });

  it('runs the Fabric and Fabric CA versions the native network installs', () => {
    for (const name of ['orderer0', 'peer0-regulator', 'peer0-cb', 'network-init'])
      expect(services[name]!.image).toMatch(new RegExp(`:${env.FABRIC_VERSION!.replace(/\./g, '\\.')}$`));
    for (const name of ['ca-orderer', 'ca-regulator', 'ca-cb'])
      expect(services[name]!.image).toBe(`hyperledger/fabric-ca:${env.FABRIC_CA_VERSION}`);
  });

  it.each([
    ['ca-orderer', 'CA_ORDERER_HOST', ['CA_ORDERER_PORT', 'CA_ORDERER_OPERATIONS_PORT'], 'ca-orderer'],
    ['ca-regulator', 'CA_REGULATOR_HOST', ['CA_REGULATOR_PORT', 'CA_REGULATOR_OPERATIONS_PORT'], 'ca-regulator'],
    ['ca-cb', 'CA_CB_HOST', ['CA_CB_PORT', 'CA_CB_OPERATIONS_PORT'], 'ca-cb'],
  ])('%s listens where network.env says, under the CA name of identities.json', (name, hostKey, portKeys, caName) => {
    const s = services[name]!;
    expect(s.hostname).toBe(env[hostKey]);
    const ports = portKeys.map((k) => env[k]!);
    expect(published(s)).toEqual(ports.map((p) => [p, p]));
    expect(s.command).toContain(`--port ${ports[0]}`);
    expect(s.command).toContain(`--operations.listenaddress 0.0.0.0:${ports[1]}`);
    expect(s.command).toContain(`--ca.name ${caName}`);
    expect(s.command).toContain(env[hostKey]);
    const identities = JSON.parse(readFileSync(path.join(ROOT, 'network-config', 'identities.json'), 'utf8')) as {
      orgs: Array<{ caName: string; caEnv: string }>;
    };
    expect(identities.orgs.find((o) => o.caName === caName)?.caEnv).toBe(portKeys[0]);
  });

  it('orderer: MSP id, listener, admin and operations ports, host name', () => {
    const o = services.orderer0!;
    expect(o.hostname).toBe(env.ORDERER_HOST_NAME);
    expect(o.environment!.ORDERER_GENERAL_LOCALMSPID).toBe(env.ORDERER_MSPID);
    expect(o.environment!.ORDERER_GENERAL_LISTENPORT).toBe(env.ORDERER_PORT);
    expect(o.environment!.ORDERER_ADMIN_LISTENADDRESS).toBe(`0.0.0.0:${env.ORDERER_ADMIN_PORT}`);
    expect(o.environment!.ORDERER_OPERATIONS_LISTENADDRESS).toBe(`0.0.0.0:${env.ORDERER_OPERATIONS_PORT}`);
    expect(published(o)).toEqual(
      [env.ORDERER_PORT, env.ORDERER_ADMIN_PORT, env.ORDERER_OPERATIONS_PORT].map((p) => [p, p]),
    );
    expect(o.volumes).toContain('./network-config/orderer:/etc/hyperledger/fabric:ro');
  });

  it.each([
    ['peer0-regulator', 'REGULATOR_MSPID', 'PEER_REGULATOR', 'regulatororg'],
    ['peer0-cb', 'CB_MSPID', 'PEER_CB', 'cborg'],
  ])('%s: MSP id, ports, host name, config and builder mounts', (name, mspKey, prefix, orgKey) => {
    const p = services[name]!;
    const e = p.environment!;
    const host = env[`${prefix}_HOST_NAME`];
    expect(p.hostname).toBe(host);
    expect(e.CORE_PEER_LOCALMSPID).toBe(env[mspKey]);
    expect(e.CORE_PEER_ADDRESS).toBe(`${host}:${env[`${prefix}_PORT`]}`);
    expect(e.CORE_PEER_LISTENADDRESS).toBe(`0.0.0.0:${env[`${prefix}_PORT`]}`);
    expect(e.CORE_PEER_CHAINCODELISTENADDRESS).toBe(`0.0.0.0:${env[`${prefix}_CHAINCODE_PORT`]}`);
    expect(e.CORE_OPERATIONS_LISTENADDRESS).toBe(`0.0.0.0:${env[`${prefix}_OPERATIONS_PORT`]}`);
    expect(e.CORE_PEER_GOSSIP_EXTERNALENDPOINT).toBe(e.CORE_PEER_ADDRESS);
    expect(e.CORE_PEER_MSPCONFIGPATH).toBe(`/fabric/orgs/${orgKey}/peers/peer0/msp`);
    expect(published(p)).toEqual([env[`${prefix}_PORT`], env[`${prefix}_OPERATIONS_PORT`]].map((x) => [x!, x!]));
    expect(p.volumes).toContain('./network-config/peer:/etc/hyperledger/fabric:ro');
    // The external builder is mounted where core.yaml looks for it.
    const builderPath = /externalBuilders:\s*\n\s*- name: \S+\s*\n\s*path: (\S+)/.exec(coreYaml)![1];
    expect(p.volumes).toContain(`./network-config/builder:${builderPath}:ro`);
  });

  it.each([
    ['chaincode-regulator', 'CHAINCODE_REGULATOR_HOST_NAME', 'CHAINCODE_SERVER_REGULATOR_PORT', 'regulatororg'],
    ['chaincode-cb', 'CHAINCODE_CB_HOST_NAME', 'CHAINCODE_SERVER_CB_PORT', 'cborg'],
  ])('%s serves the chaincode where its org package points', (name, hostKey, portKey, orgKey) => {
    const c = services[name]!;
    expect(c.hostname).toBe(env[hostKey]);
    expect(c.expose).toEqual([env[portKey]]);
    expect(c.command).toContain(`--chaincode-address 0.0.0.0:${env[portKey]}`);
    expect(c.command).toContain(`/fabric/chaincode/${orgKey}/package-id`);
    expect(c.environment).toEqual({
      CERTLEDGER_AGENCY_MSP_IDS: env.CB_MSPID,
      CERTLEDGER_REGULATOR_MSP_IDS: env.REGULATOR_MSPID,
      // The same log-head key id for both orgs' chaincode, from the one variable.
      CERTLEDGER_LOG_HEAD_KEY_ID: '${CERTLEDGER_LOG_HEAD_KEY_ID:-}',
    });
  });

  it('runs the ledger service against Fabric and KurrentDB', () => {
    const e = services['ledger-service']!.environment!;
    expect(e.LEDGER_BACKEND).toBe('fabric');
    expect(e.FABRIC_CONNECTION).toBe('/fabric/connection.json');
    expect(e.EVENT_STORE).toBe('kurrentdb');
    expect(e.EVENT_STORE_URL).toMatch(/^kurrentdb:\/\/kurrentdb:2113/);
    expect(published(services.kurrentdb!)).toEqual([['2113', '2113']]);
  });

  it("runs the workers (anchorer, read models, supervision) in the projections container, with the service's settings and data", () => {
    const service = services['ledger-service']!;
    const projections = services.projections!;
    expect(service.environment!.LEDGER_WORKERS).toBe('separate');
    expect(projections.command).toBe('node ledger-service/dist/workers.js');
    expect(existsSync(path.join(ROOT, 'ledger-service', 'src', 'workers.ts'))).toBe(true);
    expect(projections.environment).toEqual(service.environment);
    expect(projections.volumes).toEqual(expect.arrayContaining(['ledger-data:/data', 'fabric-state:/fabric:ro']));
  });

  it('gives the service every setting it refuses to start without in production', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { loadConfig } = require(path.join(ROOT, 'ledger-service', 'dist', 'config.js')) as {
      loadConfig: (env: Record<string, string>) => { nodeEnv: string; qrSecret: string; publicBaseUrl: string };
    };
    const environment = services['ledger-service']!.environment!;
    const required = Object.values(environment).flatMap((value) =>
      [...value.matchAll(/\$\{(\w+):\?/g)].map((m) => m[1]!),
    );
    expect(required).toEqual(expect.arrayContaining(['LEDGER_QR_SECRET', 'LEDGER_PUBLIC_URL']));
    // What an operator's .env gives: a value for each variable compose insists on.
    const given = Object.fromEntries(
      Object.entries(environment).map(([key, value]) => [
        key,
        value.replace(/\$\{(\w+):\?[^}]*\}/g, (_, name: string) => `${name.toLowerCase()}-given-by-the-operator`),
      ]),
    );
    const config = loadConfig(given);
    expect(config.nodeEnv).toBe('production');
    expect(config.qrSecret).toBe('ledger_qr_secret-given-by-the-operator');
    expect(() => loadConfig({ ...given, LEDGER_QR_SECRET: '' })).toThrow(/LEDGER_QR_SECRET/);
  });

  it('publishes no host port twice, declares every named volume it uses, and mounts only paths that exist', () => {
    const hostPorts = Object.values(services).flatMap((s) => published(s).map(([h]) => h));
    expect(new Set(hostPorts).size).toBe(hostPorts.length);
    for (const [name, s] of Object.entries(services)) {
      for (const volume of s.volumes ?? []) {
        const source = volume.split(':')[0]!;
        if (source.startsWith('.')) expect(existsSync(path.join(ROOT, source))).toBe(true);
        else if (!source.startsWith('$'))
          expect([name, Object.keys(compose.volumes)]).toEqual([name, expect.arrayContaining([source])]);
      }
      const deps = Array.isArray(s.depends_on) ? s.depends_on : Object.keys(s.depends_on ?? {});
      for (const dep of deps) expect(Object.keys(services)).toContain(dep);
    }
  });

  it('uses the channel and chaincode of network.env in the jobs that create them', () => {
    const init = readFileSync(path.join(ROOT, 'scripts', 'fabric', 'compose-init.sh'), 'utf8');
    expect(init).toContain('. /app/network-config/network.env');
    expect(init).toMatch(/--channelID \$CHANNEL_NAME --name \$CHAINCODE_NAME/);
    expect(services['network-init']!.command).toBe('sh /app/scripts/fabric/compose-init.sh');
    expect(services.enroll!.command).toBe('sh scripts/fabric/compose-enroll.sh');
  });
});
