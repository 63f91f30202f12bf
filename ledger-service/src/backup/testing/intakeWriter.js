'use strict';
/**
 * A CB's client in a process of its own, for the backup tests: submits the events of certifications
 * two at a time, interleaved, to the service's intake until told to stop, and reports each event the
 * service acknowledged (201) with the body it was sent.
 */
require('../../../../scripts/test-services/swc-register');
const { initialCertification } = require('../../testing/scenario');

async function submit(base, token, event) {
  const { certificationId, ...body } = event;
  const response = await fetch(`${base}/v1/certifications/${certificationId}/events`, {
    method: 'POST',
    headers: { authorization: token, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.text() };
}

async function main() {
  const { base, token, prefix } = JSON.parse(process.argv[2]);
  let stopping = false;
  process.on('message', (message) => {
    if (message === 'stop') stopping = true;
  });
  process.send({ ready: true });
  for (let pair = 0; !stopping; pair++) {
    const [a, b] = ['A', 'B'].map((side, n) =>
      initialCertification({
        certificationId: `${prefix}-${pair}${side}`,
        appliedOn: '2025-03-01',
        certificateNo: `${prefix}${String(pair * 2 + n).padStart(6, '0')}`,
      }),
    );
    for (let step = 0; step < a.length && !stopping; step++) {
      for (const event of [a[step], b[step]]) {
        const answer = await submit(base, token, event);
        if (answer.status !== 201) throw new Error(`the intake answered ${answer.status}: ${answer.body}`);
        process.send({ acked: event });
      }
    }
  }
  process.send({ stopped: true }, () => process.exit(0));
}

main().catch((error) => {
  process.send?.({ error: String(error && error.stack ? error.stack : error) }, () => process.exit(1));
});
