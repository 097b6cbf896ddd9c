/**
 * The last step of a CONNECTOR_SECRET_KEY rotation: every installation secret sealed with an
 * older key is sealed again with the first (new) key, one installation per transaction, so the
 * old key can then be removed from the variable.
 */
import type { SecretBox } from '../store/secret-box.ts';
import type { Store } from '../store/store.ts';
import { resealInstallation } from '../store/installations.ts';

export interface ResealReport {
  installations: number;
  resealedValues: number;
  keyId: string;
}

export async function resealSecrets(store: Store, box: SecretBox): Promise<ResealReport> {
  const ids = await store.query<{ id: string }>('SELECT id FROM installations ORDER BY id');
  let resealedValues = 0;
  for (const { id } of ids) {
    resealedValues += await store.transaction((tx) => resealInstallation(tx, box, id));
  }
  return { installations: ids.length, resealedValues, keyId: box.keyId };
}
