import type { AgencySummary, StatusAnswer } from '@certledger/projections';

/** One proof of a certificate answer, its parts already JSON text. */
export interface ProofText {
  readonly eventId: string;
  /** First letter goes into the ETag; absent when there is no receipt. */
  readonly receiptStatus?: string;
  readonly receiptJson?: string;
  readonly verificationJson?: string;
}

const agencyTexts = new WeakMap<AgencySummary, string>();
/** Agency summaries are computed once per CB and frozen: their JSON text is kept with them. */
function agencyJson(agency: AgencySummary): string {
  let text = agencyTexts.get(agency);
  if (text === undefined) agencyTexts.set(agency, (text = JSON.stringify(agency)));
  return text;
}

function proofJson(proof: ProofText): string {
  const id = JSON.stringify(proof.eventId);
  return `{"eventId":${id}${proof.receiptJson ? `,"receipt":${proof.receiptJson}` : ''}${
    proof.verificationJson ? `,"verification":${proof.verificationJson}` : ''
  },"receiptUrl":${JSON.stringify(`/v1/events/${proof.eventId}/receipt`)}}`;
}

/**
 * The body of GET /v1/certificates/{certificateNo} and its ETag, from JSON parts: the status, the
 * certificate's fields (certificateFields), its CB, the QR code URL and the proofs. One function for
 * the pre-serialised answer and the one computed per request, so both are the same text.
 */
export function certificateBody(input: {
  readonly certificateNo: string;
  readonly status: StatusAnswer;
  readonly fieldsJson: string;
  readonly agency: AgencySummary;
  readonly proofs: readonly ProofText[];
  readonly asOf?: string;
}): { readonly body: string; readonly etag: string } {
  const { status, proofs } = input;
  const qrUrl = `/v1/certificates/${encodeURIComponent(input.certificateNo)}/qr`;
  // A cheap validator: the answer changes only with the status-setting event or a receipt's status.
  const etag = `W/"${status}:${proofs.map((p) => `${p.eventId.slice(0, 8)}${p.receiptStatus?.charAt(0) ?? 'n'}`).join('.')}${input.asOf ?? ''}"`;
  const body = `{"status":${JSON.stringify(status)},${input.fieldsJson.slice(1, -1)},"agency":${agencyJson(input.agency)},"qrUrl":${JSON.stringify(qrUrl)},"proofs":[${proofs.map(proofJson).join(',')}]}`;
  return { body, etag };
}
