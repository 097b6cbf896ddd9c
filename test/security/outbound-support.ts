/**
 * What the outbound security tests share: a multi-tenant service (an OAuth app configured, private
 * networks NOT allowed) with one installation whose admin is signed in, an "internal service" on
 * 127.0.0.1 that counts every connection and holds a secret in its body, and a "public" host.
 *
 * Test device: there is no internet here, so the "public" host is a loopback server on 127.0.0.9.
 * The service is started with the outbound guard's two test seams (src/net/outbound-guard.ts):
 * a classifier under which 127.0.0.9, and only it, counts as a public address (127.0.0.1 and every
 * other internal address keep their real class), and a resolver that answers for a few made-up
 * names (`public.test` → 127.0.0.9, `internal.attacker.test` → 127.0.0.1, `mixed.attacker.test` →
 * both) and asks the system for the rest. The test servers speak plain http, so this suite runs
 * with requireHttps off; the https rule is covered by test/unit/net-outbound-guard.test.ts.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { createAuth } from '../../src/auth/auth-service.ts';
import { createLogger } from '../../src/log.ts';
import { classifyAddress } from '../../src/net/address-class.ts';
import type { OutboundGuardOptions } from '../../src/net/outbound-guard.ts';
import { startService, type RunningService } from '../../src/server.ts';
import { upsertInstallation, type Installation } from '../../src/store/installations.ts';
import { ANY_WIDGET, upsertBinding } from '../../src/store/widget-bindings.ts';
import { AdminClient, adminSessionCookie } from '../support/admin-client.ts';
import type { StoreEnvironment } from '../support/store.ts';
import { storeBackends } from '../support/store.ts';
import { newWebhookSecret, testConfig } from '../support/sync-harness.ts';

const root = path.resolve(import.meta.dirname, '../..');
export const PUBLIC_ADDRESS = '127.0.0.9';

/** A loopback server that records what reaches it: TCP connections, and each request's path and Authorization header. */
export class RecordingServer {
  connections = 0;
  readonly requests: { path: string; authorization: string | undefined }[] = [];
  readonly #server: Server;
  port = 0;

  constructor(handler: (req: IncomingMessage, res: ServerResponse) => void) {
    this.#server = createServer((req, res) => {
      this.requests.push({ path: req.url ?? '', authorization: req.headers.authorization });
      handler(req, res);
    });
    this.#server.on('connection', () => (this.connections += 1));
  }

  async listen(host: string): Promise<this> {
    await new Promise<void>((resolve) => this.#server.listen(0, host, resolve));
    this.port = (this.#server.address() as AddressInfo).port;
    return this;
  }

  close(): Promise<void> {
    this.#server.closeAllConnections();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}

export const guardSeams: OutboundGuardOptions = {
  classify: (address) => (address === PUBLIC_ADDRESS ? { kind: 'public' } : classifyAddress(address)),
  resolve: async (hostname) => {
    const fixed: Record<string, string[]> = {
      'public.test': [PUBLIC_ADDRESS],
      'internal.attacker.test': ['127.0.0.1'],
      'mixed.attacker.test': [PUBLIC_ADDRESS, '127.0.0.1'],
    };
    const addresses = fixed[hostname];
    if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return addresses.map((address) => ({ address, family: 4 }));
  },
};

export interface OutboundScene {
  service: RunningService;
  installation: Installation;
  admin: AdminClient;
  webhookSecret: string;
  close(): Promise<void>;
}

/** The multi-tenant service (private networks refused) with one HubSpot installation, no platform settings yet, and its signed-in admin. */
export async function startOutboundScene(): Promise<OutboundScene> {
  const environment: StoreEnvironment = await storeBackends()[0]!.create();
  const loaded = testConfig({
    ...environment.env,
    PUBLIC_URL: 'https://connector.example',
    HUBSPOT_CLIENT_ID: 'client-id',
    HUBSPOT_CLIENT_SECRET: 'client-secret',
    METRICS_TOKEN: 'test-metrics-token',
    MAPPINGS_DIR: path.join(root, 'mappings'),
    SYNC_RETRY_LIMIT: '0',
    SYNC_EXTRACTION_WAIT_SECONDS: '0',
  });
  if (!loaded.multiTenant || loaded.outbound.allowPrivateNetworks) throw new Error('the scene must run in multi-tenant mode with private networks refused');
  // Plain http to the "public" test host: see the file comment.
  const config = { ...loaded, outbound: { ...loaded.outbound, requireHttps: false } };
  const logger = createLogger({ level: 'silent' });
  const service = await startService({ config, logger, outbound: guardSeams });
  const webhookSecret = newWebhookSecret();
  const installation = await upsertInstallation(service.store, service.box, {
    name: `hubspot:${randomBytes(4).toString('hex')}`,
    crm: 'hubspot',
    crmAccountId: '424242',
    crmSettings: { apiUrl: 'http://127.0.0.1:9' },
    crmCredentials: { accessToken: 'hubspot-token' },
    platform: { apiUrl: null, apiKey: null, webhookSecrets: [webhookSecret] },
  });
  await upsertBinding(service.store, { installationId: installation.id, widgetId: ANY_WIDGET, mappingFile: null, enabled: true });
  const { sessions } = createAuth({ config, store: service.store, box: service.box, logger });
  const admin = new AdminClient(service.url, await adminSessionCookie(sessions, { installationIds: [installation.id], user: 'admin@tenant.example' }));
  return {
    service,
    installation,
    admin,
    webhookSecret,
    async close() {
      await service.close();
      await environment.dispose();
    },
  };
}
