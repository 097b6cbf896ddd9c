/** What forgetting runs on, built the same way by the `forget` command and the admin pages' Forget action. */
import type { Logger } from '../log.ts';
import type { OutboundGuard } from '../net/outbound-guard.ts';
import { installationPlatformClient } from '../platform/installation-client.ts';
import type { SecretBox } from '../store/secret-box.ts';
import type { Store } from '../store/store.ts';
import { installationAdapters } from '../sync/adapter-factory.ts';
import type { PgBoss } from 'pg-boss';
import type { ForgetDependencies } from './forget.ts';

export function forgetDependencies(backend: { store: Store; boss: PgBoss; box: SecretBox }, logger: Logger, outbound: OutboundGuard): ForgetDependencies {
  return {
    store: backend.store,
    boss: backend.boss,
    box: backend.box,
    logger,
    adapterFor: installationAdapters({ logger }),
    platformFor: (installation) => installationPlatformClient(installation, outbound),
  };
}
