import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SecretBox, SecretBoxError } from '../../src/store/secret-box.ts';

const key = () => randomBytes(32).toString('base64');

describe('SecretBox', () => {
  it('seals with a random IV and opens what it sealed', () => {
    const box = new SecretBox([key()]);
    const a = box.seal('pat-na1-secret', 'installations.crm_credentials:default');
    const b = box.seal('pat-na1-secret', 'installations.crm_credentials:default');
    expect(a).not.toEqual(b);
    expect(a).not.toContain('pat-na1-secret');
    expect(a.split('.')).toHaveLength(5);
    expect(a.startsWith(`v1.${box.keyId}.`)).toBe(true);
    expect(box.open(a, 'installations.crm_credentials:default')).toBe('pat-na1-secret');
  });

  it('refuses a value moved to another row or column', () => {
    const box = new SecretBox([key()]);
    const sealed = box.seal('token', 'installations.crm_credentials:inst_a');
    expect(() => box.open(sealed, 'installations.crm_credentials:inst_b')).toThrow(/failed authentication/);
  });

  it('refuses a tampered ciphertext', () => {
    const box = new SecretBox([key()]);
    const parts = box.seal('token', 'ctx').split('.');
    const ciphertext = Buffer.from(parts[4]!, 'base64url');
    ciphertext[0] = ciphertext[0]! ^ 1;
    parts[4] = ciphertext.toString('base64url');
    expect(() => box.open(parts.join('.'), 'ctx')).toThrow(SecretBoxError);
  });

  it('rotates: the new key seals, the old one still opens, and old values are flagged for resealing', () => {
    const oldKey = key();
    const before = new SecretBox([oldKey]).seal('token', 'ctx');
    const rotated = new SecretBox([key(), oldKey]);
    expect(rotated.open(before, 'ctx')).toBe('token');
    expect(rotated.needsResealing(before)).toBe(true);
    expect(rotated.needsResealing(rotated.seal('token', 'ctx'))).toBe(false);
  });

  it('says which key is missing when a value was sealed with a key it does not have', () => {
    const sealed = new SecretBox([key()]).seal('token', 'ctx');
    expect(() => new SecretBox([key()]).open(sealed, 'ctx')).toThrow(/sealed with key [0-9a-f]{8}, which is not among CONNECTOR_SECRET_KEY's keys/);
    expect(() => new SecretBox([key()]).open('plaintext', 'ctx')).toThrow(/not a sealed secret/);
  });
});
