/** PKCE (RFC 7636, S256): the verifier stays in the server's oauth_states row; only the challenge travels. */
import { createHash, randomBytes } from 'node:crypto';

export interface PkcePair {
  verifier: string;
  challenge: string;
}

export function newPkcePair(): PkcePair {
  // 32 random bytes: a 43-character verifier, the shortest the RFC allows and plenty of entropy.
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}
