/** The outbound guard's parts: the address classifier (a table), base URL checks, and the guarded fetch against loopback servers. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyAddress } from '../../src/net/address-class.ts';
import { checkBaseUrl } from '../../src/net/base-url.ts';
import { createOutboundGuard } from '../../src/net/outbound-guard.ts';
import { OutboundRefusedError, outboundRefusalIn } from '../../src/net/outbound-refused.ts';

const STRICT = { allowPrivateNetworks: false, requireHttps: true };
const SELF_HOSTED = { allowPrivateNetworks: true, requireHttps: false };

describe('classifyAddress', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['::1', 'loopback'],
    ['[::1]', 'loopback'],
    ['10.0.0.1', 'private-network'],
    ['172.16.5.4', 'private-network'],
    ['192.168.0.1', 'private-network'],
    ['169.254.169.254', 'link-local'],
    ['fe80::1', 'link-local'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['fc00::1', 'unique-local'],
    ['fd12:3456::1', 'unique-local'],
    ['224.0.0.1', 'multicast'],
    ['ff02::1', 'multicast'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['255.255.255.255', 'broadcast'],
    ['240.0.0.1', 'reserved'],
    ['192.0.2.1', 'reserved'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:169.254.169.254', 'link-local'],
    ['::ffff:10.0.0.1', 'private-network'],
    ['64:ff9b::7f00:1', 'loopback'],
    ['64:ff9b::a9fe:a9fe', 'link-local'],
    ['2002:7f00:1::', 'loopback'],
    ['2002:c0a8:101::', 'private-network'],
    ['2001:0:4136:e378::1', 'Teredo'],
    ['2001:db8::1', 'reserved'],
    ['not-an-address', 'not an IP address'],
  ])('%s is internal (%s)', (address, reason) => {
    const verdict = classifyAddress(address);
    expect(verdict.kind).toBe('internal');
    expect(verdict.kind === 'internal' && verdict.reason).toContain(reason);
  });

  it.each(['93.184.216.34', '8.8.8.8', '2606:4700::6810:84e5', '::ffff:8.8.8.8', '64:ff9b::808:808', '2002:808:808::'])('%s is public', (address) => {
    expect(classifyAddress(address)).toEqual({ kind: 'public' });
  });
});

describe('checkBaseUrl', () => {
  const problem = (text: string, policy = STRICT) => {
    try {
      checkBaseUrl(text, policy);
      return undefined;
    } catch (error) {
      expect(error).toBeInstanceOf(OutboundRefusedError);
      return (error as Error).message;
    }
  };

  it('normalises what it accepts', () => {
    expect(checkBaseUrl(' https://API.Platform.example:443/v2/ ', STRICT)).toBe('https://api.platform.example/v2');
    expect(checkBaseUrl('http://127.0.0.1:4000', SELF_HOSTED)).toBe('http://127.0.0.1:4000');
  });

  it.each([
    ['api.platform.example', /must be an absolute http\(s\) URL/],
    ['ftp://api.platform.example', /must be an absolute http\(s\) URL/],
    ['https://api.platform.example/#', /must not contain a fragment/],
    ['https://api.platform.example/?', /must not contain a query/],
    ['https://key@api.platform.example', /must not contain a user name or password/],
    ['http://api.platform.example', /must use https/],
    ['https://127.0.0.1', /points to 127\.0\.0\.1, which is a loopback address/],
    ['https://017700000001', /points to 127\.0\.0\.1/],
    ['https://[::ffff:a9fe:a9fe]', /link-local/],
  ])('refuses %s', (text, message) => {
    expect(problem(text)).toMatch(message);
  });

  it('allows private addresses when allowed, plain http only to them under requireHttps', () => {
    const marketplaceWithSandboxes = { allowPrivateNetworks: true, requireHttps: true };
    expect(problem('http://127.0.0.1:4000', marketplaceWithSandboxes)).toBeUndefined();
    expect(problem('http://93.184.216.34', marketplaceWithSandboxes)).toMatch(/must use https \(plain http is only allowed to private-network addresses\)/);
    expect(problem('http://93.184.216.34', SELF_HOSTED)).toBeUndefined();
  });
});

describe('the guarded fetch', () => {
  let server: Server;
  let port: number;
  let connections = 0;

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/redirect') res.writeHead(307, { location: `http://127.0.0.1:${port}/` }).end();
      else res.end('ok');
    });
    server.on('connection', () => (connections += 1));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const refusal = async (promise: Promise<unknown>) => {
    const error = await promise.then(() => undefined, (e: unknown) => e);
    return outboundRefusalIn(error)?.message;
  };

  it('refuses literals and resolved names before connecting, and connects to the address it checked', async () => {
    const resolved: string[] = [];
    const guard = createOutboundGuard({ allowPrivateNetworks: false, requireHttps: false }, {
      resolve: async (name) => (resolved.push(name), [{ address: '127.0.0.1', family: 4 }]),
    });
    try {
      expect(await refusal(guard.fetch(`http://127.0.0.1:${port}/`))).toMatch(/loopback/);
      expect(await refusal(guard.fetch(`http://[::1]:${port}/`))).toMatch(/loopback/);
      expect(await refusal(guard.fetch(`http://rebind.test:${port}/`))).toMatch(/host rebind\.test resolves to a loopback address/);
      expect(resolved).toEqual(['rebind.test']);
      expect(connections).toBe(0);
    } finally {
      await guard.close();
    }
    // Allowed: the socket goes to the address the resolver returned (nothing else resolves rebind.test).
    const open = createOutboundGuard(SELF_HOSTED, { resolve: async () => [{ address: '127.0.0.1', family: 4 }] });
    try {
      expect(await (await open.fetch(`http://rebind.test:${port}/`)).text()).toBe('ok');
    } finally {
      await open.close();
    }
  });

  it('refuses plain http to a public address under requireHttps, even through a name', async () => {
    const guard = createOutboundGuard({ allowPrivateNetworks: true, requireHttps: true }, {
      resolve: async () => [{ address: '127.0.0.1', family: 4 }],
      classify: () => ({ kind: 'public' }),
    });
    try {
      expect(await refusal(guard.fetch(`http://public.test:${port}/`))).toMatch(/must use https/);
    } finally {
      await guard.close();
    }
  });

  it('does not follow a redirect', async () => {
    const guard = createOutboundGuard(SELF_HOSTED);
    const before = connections;
    try {
      expect(await refusal(guard.fetch(`http://127.0.0.1:${port}/redirect`))).toBe(
        'answered with a redirect (HTTP 307), which the connector does not follow: enter the final address',
      );
      expect(connections).toBe(before + 1);
    } finally {
      await guard.close();
    }
  });
});

describe('Salesforce token answers: instance and identity URLs are checked before use', () => {
  const oauthWith = async (answer: Record<string, string>) => {
    const { SalesforceOAuth } = await import('../../src/auth/salesforce-oauth.ts');
    const { manifest } = await import('../../src/manifest.ts');
    const fetchAnswer = (async () => new Response(JSON.stringify(answer), { status: 200, headers: { 'content-type': 'application/json' } })) as typeof fetch;
    return new SalesforceOAuth({
      app: { clientId: 'id', clientSecret: 'secret', loginUrls: { production: 'https://login.salesforce.com', sandbox: 'https://test.salesforce.com' } },
      manifest: manifest.crms.salesforce,
      redirectUri: 'https://connector.example/oauth/salesforce/callback',
      outbound: createOutboundGuard(STRICT, { resolve: async (name) => [{ address: name === 'rebind.test' ? '10.0.0.5' : '93.184.216.34', family: 4 }] }),
      fetch: fetchAnswer,
    });
  };
  const tokens = { access_token: 'a', refresh_token: 'r', instance_url: 'https://na1.salesforce.example', id: 'https://login.salesforce.com/id/00D000000000001EAA/005000000000001AAA' };

  it('accepts public https URLs', async () => {
    await expect((await oauthWith(tokens)).exchangeCode('https://login.salesforce.com', 'code', 'verifier')).resolves.toMatchObject({ instanceUrl: tokens.instance_url });
  });

  it.each([
    ['an instance URL on the metadata address', { instance_url: 'https://169.254.169.254' }, /instance_url points to 169\.254\.169\.254, which is a link-local/],
    ['an instance URL whose name resolves to a private address', { instance_url: 'https://rebind.test' }, /instance_url host rebind\.test resolves to a private-network address/],
    ['a plain-http instance URL', { instance_url: 'http://na1.salesforce.example' }, /instance_url must use https/],
    ['an identity URL on loopback', { id: 'https://127.0.0.1/id/00D000000000001EAA/005000000000001AAA' }, /id points to 127\.0\.0\.1, which is a loopback/],
  ])('refuses %s, on code exchange and refresh', async (_name, bad, message) => {
    const oauth = await oauthWith({ ...tokens, ...bad });
    await expect(oauth.exchangeCode('https://login.salesforce.com', 'code', 'verifier')).rejects.toThrow(message);
    await expect(oauth.refresh('https://login.salesforce.com', 'r')).rejects.toThrow(message);
  });
});
