import type { AgencySummary, StatusAnswer } from './queries';

/** One proof of a certificate answer, its parts already JSON text. */
export interface ProofText {
  readonly eventId: string;
  /** First letter goes into the ETag; absent when there is no receipt. */
  readonly receiptStatus?: string;
  readonly receiptJson?: string;
  readonly verificationJson?: string;
}

/**
 * The text of a certificate answer around its two parts decided when asked (the status, which the
 * date alone can turn to expired, and the CB, which comes from configuration). The registry stores
 * these for status-now answers; the per-request path makes them the same way.
 */
export interface AnswerParts {
  /** The certificate's fields (certificateFields) as JSON members, without braces. */
  readonly fieldsText: string;
  /** From the QR code URL to the closing brace: `,"qrUrl":…,"proofs":[…]}`. */
  readonly tail: string;
  /** What follows the status in the ETag: each proof's id prefix and receipt status, and asOf. */
  readonly etagTail: string;
}

export interface CertificateAnswer {
  /** JSON text; the bytes themselves when the answer comes from the answer cache. */
  readonly body: string | Buffer;
  readonly etag: string;
}

function proofJson(proof: ProofText): string {
  const id = JSON.stringify(proof.eventId);
  return `{"eventId":${id}${proof.receiptJson ? `,"receipt":${proof.receiptJson}` : ''}${
    proof.verificationJson ? `,"verification":${proof.verificationJson}` : ''
  },"receiptUrl":${JSON.stringify(`/v1/events/${proof.eventId}/receipt`)}}`;
}

export function answerParts(input: {
  readonly certificateNo: string;
  readonly fieldsJson: string;
  readonly proofs: readonly ProofText[];
  readonly asOf?: string;
}): AnswerParts {
  const qrUrl = `/v1/certificates/${encodeURIComponent(input.certificateNo)}/qr`;
  return {
    fieldsText: input.fieldsJson.slice(1, -1),
    tail: `,"qrUrl":${JSON.stringify(qrUrl)},"proofs":[${input.proofs.map(proofJson).join(',')}]}`,
    // A cheap validator: the answer changes only with the status-setting event or a receipt's status.
    etagTail: `${input.proofs.map((p) => `${p.eventId.slice(0, 8)}${p.receiptStatus?.charAt(0) ?? 'n'}`).join('.')}${input.asOf ?? ''}`,
  };
}

const agencyTexts = new WeakMap<AgencySummary, string>();
/** Agency summaries are computed once per CB and frozen: their JSON text is kept with them. */
function agencyJson(agency: AgencySummary): string {
  let text = agencyTexts.get(agency);
  if (text === undefined) agencyTexts.set(agency, (text = JSON.stringify(agency)));
  return text;
}

/**
 * The body of GET /v1/certificates/{certificateNo} and its ETag: the status, the fields, the CB,
 * the QR code URL and the proofs. One function for the stored answer and the computed one, so both
 * are the same text.
 */
export function certificateAnswer(
  /** `unknown`: asked with verify=true, and the certificate's history did not check against the ledger. */
  status: StatusAnswer | 'unknown',
  agency: AgencySummary,
  parts: AnswerParts,
): CertificateAnswer & { readonly body: string } {
  return {
    body: `{"status":"${status}",${parts.fieldsText},"agency":${agencyJson(agency)}${parts.tail}`,
    etag: `W/"${status}:${parts.etagTail}"`,
  };
}
