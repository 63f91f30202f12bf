import { Router } from 'express';
import { badRequest, ProblemError } from '../http/problem';
import type { LogHeadCommitter } from './logHeads/committer';

function sizeParam(value: unknown, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !/^\d{1,15}$/.test(value))
    throw badRequest('invalid-tree-size', `${name} must be a non-negative integer`);
  return Number(value);
}

/** GET /v1/log/head, /v1/log/heads and /v1/log/consistency: signed heads of the global log and RFC 6962 consistency proofs. Public. */
export function createLogRouter(options: { readonly committer: LogHeadCommitter }): Router {
  const { committer } = options;
  const router = Router();

  router.get('/v1/log/head', async (_req, res) => {
    await committer.sync();
    const head = committer.latest();
    if (!head) throw new ProblemError(404, 'no-log-head', 'No log head has been committed yet');
    res.json(head);
  });

  router.get('/v1/log/heads', async (_req, res) => {
    await committer.sync();
    res.json({ keyId: committer.keyId, publicKey: committer.publicKey, heads: committer.heads() });
  });

  router.get('/v1/log/consistency', async (req, res) => {
    const from = sizeParam(req.query.from, 'from');
    await committer.sync();
    const to = sizeParam(req.query.to, 'to') ?? committer.latest()?.treeSize;
    if (from === undefined) throw badRequest('invalid-tree-size', 'from is required');
    if (to === undefined) throw new ProblemError(404, 'no-log-head', 'No log head has been committed yet');
    if (from > to || to > committer.size()) {
      throw badRequest('invalid-tree-size', `need 0 ≤ from ≤ to ≤ ${committer.size()}`, {
        from,
        to,
        treeSize: committer.size(),
      });
    }
    res.json({
      from,
      to,
      fromRoot: committer.root(from),
      toRoot: committer.root(to),
      proof: committer.consistencyProof(from, to),
    });
  });

  return router;
}

const problem = { $ref: '#/components/schemas/Problem' };
const head = {
  type: 'object',
  required: ['treeSize', 'rootHash', 'lastPosition', 'timestamp', 'keyId', 'publicKey', 'signature'],
  properties: {
    treeSize: { type: 'integer', minimum: 0, description: 'Number of events in the global log the head covers' },
    rootHash: {
      type: 'string',
      pattern: '^[0-9a-f]{64}$',
      description: 'RFC 6962 Merkle root over the event hashes (32 bytes each) in log order',
    },
    lastPosition: { type: 'integer', description: 'Global position of the last event covered' },
    timestamp: { type: 'string', format: 'date-time' },
    keyId: { type: 'string', description: 'SHA-256 of the signing key (SPKI DER), hex' },
    publicKey: { type: 'string', description: 'Ed25519 public key, SPKI PEM' },
    signature: {
      type: 'string',
      description:
        'Ed25519 signature (base64) over "certledger-log-head-v1\\n{treeSize}\\n{rootHash}\\n{lastPosition}\\n{timestamp}\\n{keyId}\\n"',
    },
  },
};

/** OpenAPI 3.1 path items of the log router. */
export const logOpenApiPaths: Readonly<Record<string, unknown>> = {
  '/v1/log/head': {
    get: {
      summary: 'The latest signed head of the global event log (also committed to the ledger)',
      tags: ['audit'],
      security: [],
      responses: {
        200: { description: 'Signed log head', content: { 'application/json': { schema: head } } },
        404: { description: 'No head yet', content: { 'application/problem+json': { schema: problem } } },
      },
    },
  },
  '/v1/log/heads': {
    get: {
      summary: 'Every head this service has signed, smallest first, with its public key',
      tags: ['audit'],
      security: [],
      responses: {
        200: {
          description: 'Heads',
          content: {
            'application/json': {
              schema: {
                type: 'object',
                properties: {
                  keyId: { type: 'string' },
                  publicKey: { type: 'string' },
                  heads: { type: 'array', items: head },
                },
              },
            },
          },
        },
      },
    },
  },
  '/v1/log/consistency': {
    get: {
      summary: 'RFC 6962 consistency proof between two sizes of the global log',
      tags: ['audit'],
      security: [],
      parameters: [
        { name: 'from', in: 'query', required: true, schema: { type: 'integer', minimum: 0 } },
        {
          name: 'to',
          in: 'query',
          required: false,
          schema: { type: 'integer', minimum: 0 },
          description: 'Defaults to the latest head',
        },
      ],
      responses: {
        200: {
          description: 'The proof; verify it with the roots of two signed heads',
          content: {
            'application/json': {
              schema: {
                type: 'object',
                properties: {
                  from: { type: 'integer' },
                  to: { type: 'integer' },
                  fromRoot: { type: 'string' },
                  toRoot: { type: 'string' },
                  proof: { type: 'array', items: { type: 'string' } },
                },
              },
            },
          },
        },
        400: { description: 'Sizes out of range', content: { 'application/problem+json': { schema: problem } } },
      },
    },
  },
};
