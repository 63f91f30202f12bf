import path from 'node:path';
import protobuf from 'protobufjs';
import { CERTIFICATION_STREAM_PREFIX, SUPERVISION_STREAM_PREFIX } from '@certledger/chaincode';

/** Where the .proto files live, for the service and for third parties recomputing hashes. */
export const PROTO_DIR = path.resolve(__dirname, '../../proto');
const PROTOBUFJS_DIR = path.dirname(require.resolve('protobufjs/package.json'));

function loadRoot(): protobuf.Root {
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) =>
    target.startsWith('google/protobuf/') ? path.join(PROTOBUFJS_DIR, target) : path.join(PROTO_DIR, target);
  root.loadSync('certledger/v1/events.proto', { keepCase: false });
  root.resolveAll();
  return root;
}

export const protoRoot = loadRoot();
export const EnvelopeType = protoRoot.lookupType('certledger.v1.EventEnvelope');
export const EventDataType = protoRoot.lookupType('certledger.v1.EventData');

/** Certification event types, as named in the public contract. */
export const CERTIFICATION_EVENT_TYPES = [
  'ApplicationSubmitted',
  'ApplicationReviewed',
  'ContractSigned',
  'AuditTeamAssigned',
  'AuditPlanned',
  'AuditConducted',
  'FindingRaised',
  'FindingClosed',
  'AuditReportSubmitted',
  'CertificationDecided',
  'CertificateIssued',
  'CertificateSuspended',
  'CertificateRestored',
  'CertificateWithdrawn',
  'CertificateCancelled',
  'CertificateExpired',
  'CertificateScopeChanged',
  'CertificationTransferred',
  'TransferReleased',
  'TransferReleaseWithdrawn',
  'ReportedToCnca',
] as const;

/** Supervision event types: written by regulators (or the client, for evaluations) in streams of their own. */
export const SUPERVISION_EVENT_TYPES = [
  'SpotCheckRecorded',
  'ComplaintRecorded',
  'AuditTeamEvaluated',
  'WithdrawalTriggerRecorded',
] as const;

export const EVENT_TYPES = [...CERTIFICATION_EVENT_TYPES, ...SUPERVISION_EVENT_TYPES] as const;
export type CertificationEventType = (typeof CERTIFICATION_EVENT_TYPES)[number];
export type SupervisionEventType = (typeof SUPERVISION_EVENT_TYPES)[number];
export type EventType = (typeof EVENT_TYPES)[number];

export function isEventType(value: unknown): value is EventType {
  return typeof value === 'string' && (EVENT_TYPES as readonly string[]).includes(value);
}

const SUPERVISION_TYPES: ReadonlySet<string> = new Set(SUPERVISION_EVENT_TYPES);

/**
 * The stream an event of this type belongs in: supervision-{id} for a supervision type,
 * certification-{id} for any other. The type is hashed with the event, so its bytes name its stream.
 */
export function streamIdFor(type: string, certificationId: string): string {
  return (SUPERVISION_TYPES.has(type) ? SUPERVISION_STREAM_PREFIX : CERTIFICATION_STREAM_PREFIX) + certificationId;
}

/** The stream an event is written to, by its type and certification (streamIdFor). */
export function streamIdOfEvent(event: { readonly type: EventType; readonly certificationId: string }): string {
  return streamIdFor(event.type, event.certificationId);
}

/** The EventData oneof member that carries a type's payload: ApplicationSubmitted → applicationSubmitted. */
export function payloadFieldOf(type: EventType): string {
  return type.charAt(0).toLowerCase() + type.slice(1);
}

const payloadTypes = new Map<string, protobuf.Type>();

export function payloadTypeOf(type: EventType): protobuf.Type {
  let payloadType = payloadTypes.get(type);
  if (!payloadType) {
    payloadType = protoRoot.lookupType(`certledger.v1.${type}`);
    payloadTypes.set(type, payloadType);
  }
  return payloadType;
}

function checkRegistry(): void {
  for (const type of EVENT_TYPES) {
    const field = EventDataType.fields[payloadFieldOf(type)];
    if (!field || field.resolvedType !== payloadTypeOf(type)) {
      throw new Error(`events.proto has no EventData payload for ${type}`);
    }
  }
}
checkRegistry();
