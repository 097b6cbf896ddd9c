/**
 * Installations' secrets at rest: AES-256-GCM with a random 12-byte IV and the auth tag, in a
 * versioned text format that names the key it was sealed with, so keys can rotate:
 *
 *   v1.<key id>.<iv>.<tag>.<ciphertext>      (base64url parts; key id = first 8 hex of sha256(key))
 *
 * Each value is bound to a context (table, column, row id) as additional authenticated data,
 * so a ciphertext copied into another row or column fails to open instead of being misused.
 */
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export class SecretBoxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretBoxError';
  }
}

interface Key {
  id: string;
  bytes: Buffer;
}

export const keyIdOf = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex').slice(0, 8);

export class SecretBox {
  readonly #primary: Key;
  readonly #byId: Map<string, Key>;

  /** `keys`: base64 of 32 bytes each. The first seals; every one of them opens. */
  constructor(keys: readonly string[]) {
    const parsed = keys.map((k, i) => {
      const bytes = Buffer.from(k, 'base64');
      if (bytes.length !== 32) throw new SecretBoxError(`secret key #${i + 1} is not 32 bytes of base64`);
      return { id: keyIdOf(bytes), bytes };
    });
    const primary = parsed[0];
    if (!primary) throw new SecretBoxError('at least one secret key is required');
    this.#primary = primary;
    this.#byId = new Map(parsed.map((k) => [k.id, k]));
  }

  /** The id of the key new values are sealed with. */
  get keyId(): string {
    return this.#primary.id;
  }

  seal(plaintext: string, context: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#primary.bytes, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const parts = [iv, cipher.getAuthTag(), ciphertext].map((b) => b.toString('base64url'));
    return [VERSION, this.#primary.id, ...parts].join('.');
  }

  open(sealed: string, context: string): string {
    const [version, keyId, iv, tag, ciphertext, ...rest] = sealed.split('.');
    if (version !== VERSION || !keyId || iv === undefined || tag === undefined || ciphertext === undefined || rest.length > 0) {
      throw new SecretBoxError(`${context}: not a sealed secret of format ${VERSION}`);
    }
    const key = this.#byId.get(keyId);
    if (!key) {
      throw new SecretBoxError(
        `${context}: sealed with key ${keyId}, which is not among CONNECTOR_SECRET_KEY's keys (${[...this.#byId.keys()].join(', ')})`,
      );
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', key.bytes, Buffer.from(iv, 'base64url'), { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretBoxError(`${context}: the sealed secret failed authentication (tampered, or sealed for another row)`);
    }
  }

  /**
   * A 32-byte key for another purpose (signing OAuth states, admin sessions), derived from the
   * primary key with HKDF-SHA256 so the secret key itself is used for one thing only.
   */
  deriveKey(purpose: string): Buffer {
    return Buffer.from(hkdfSync('sha256', this.#primary.bytes, Buffer.alloc(0), `crm-connector:${purpose}`, 32));
  }

  /** True when `sealed` was sealed with an older key and should be sealed again. */
  needsResealing(sealed: string): boolean {
    return sealed.split('.')[1] !== this.#primary.id;
  }
}
