/**
 * The outbound guard: a fetch for requests whose address came from input or from a CRM's answer.
 * Every request's scheme and IP literal are checked before it is sent; a host name is resolved
 * once, inside the connection's lookup hook, every address it resolves to is checked, and the
 * socket connects to the address that was checked, so a name cannot resolve to a public address
 * for the check and to an internal one for the connection (DNS rebinding). Redirects are never
 * followed: the next hop could be anywhere, and its Location is not shown either.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import type { LookupAddress } from 'node:dns';
import { Agent, buildConnector } from 'undici';
import type { OutboundPolicy } from '../config.ts';
import { classifyAddress, ipLiteralOf, type AddressClassifier } from './address-class.ts';
import { addressProblem, checkBaseUrl, targetProblem } from './base-url.ts';
import { OutboundRefusedError } from './outbound-refused.ts';

export type Resolver = (hostname: string) => Promise<LookupAddress[]>;

/** Test seams: a resolver (a name that resolves to loopback) and a classifier (a loopback server posing as public). */
export interface OutboundGuardOptions {
  resolve?: Resolver | undefined;
  classify?: AddressClassifier | undefined;
}

export interface OutboundGuard {
  readonly policy: OutboundPolicy;
  /** Drop-in for the global fetch, with the checks above; throws an OutboundRefusedError (possibly as `cause`) when refusing. */
  readonly fetch: typeof fetch;
  /** checkBaseUrl (base-url.ts) under this guard's policy and classifier. */
  checkBaseUrl(text: string): string;
  /**
   * For a URL from a CRM's answer that a library will request itself (a Salesforce instance or
   * identity URL, used by jsforce): the same checks as a request, its name resolved and every
   * address checked now. The library resolves again when it connects (the residual rebinding risk).
   */
  checkAnsweredUrl(text: string): Promise<string>;
  /** Closes the guard's pooled connections. */
  close(): Promise<void>;
}

const systemResolver: Resolver = (hostname) => dnsLookup(hostname, { all: true, order: 'verbatim' });

type LookupCallback = (error: Error | null, address?: string | LookupAddress[], family?: number) => void;

export function createOutboundGuard(policy: OutboundPolicy, options: OutboundGuardOptions = {}): OutboundGuard {
  const resolve = options.resolve ?? systemResolver;
  const classify = options.classify ?? classifyAddress;

  /** net.connect's `lookup` option: resolve, refuse if any address is refused, hand over the checked ones. */
  const lookupFor = (protocol: string) => (hostname: string, lookupOptions: { all?: boolean; family?: number | string }, callback: LookupCallback) => {
    resolve(hostname)
      .then((addresses) => {
        if (addresses.length === 0) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
        // One refused address refuses the name: otherwise a name could list a public and an internal address.
        for (const { address } of addresses) {
          const problem = addressProblem(address, protocol, policy, classify, `host ${hostname} resolves to`);
          if (problem) throw new OutboundRefusedError(problem);
        }
        const family = lookupOptions.family === 'IPv4' ? 4 : lookupOptions.family === 'IPv6' ? 6 : Number(lookupOptions.family ?? 0);
        const wanted = family === 4 || family === 6 ? addresses.filter((a) => a.family === family) : addresses;
        const usable = wanted.length > 0 ? wanted : addresses;
        if (lookupOptions.all) callback(null, usable);
        else callback(null, usable[0]!.address, usable[0]!.family);
      })
      .catch((error: Error) => callback(error));
  };
  const connectors: Record<string, buildConnector.connector> = {
    'http:': buildConnector({ lookup: lookupFor('http:') } as buildConnector.BuildOptions),
    'https:': buildConnector({ lookup: lookupFor('https:') } as buildConnector.BuildOptions),
  };
  const connect: buildConnector.connector = (connectOptions, callback) => {
    const connector = connectors[connectOptions.protocol];
    if (!connector) return callback(new OutboundRefusedError(`must be an http(s) URL (got ${connectOptions.protocol})`), null);
    // net.connect skips the lookup hook for IP literals: check them here as well as before the request.
    const literal = ipLiteralOf(connectOptions.hostname);
    const problem = literal && addressProblem(literal, connectOptions.protocol, policy, classify, `points to ${literal}, which is`);
    if (problem) return callback(new OutboundRefusedError(problem), null);
    connector(connectOptions, callback);
  };
  const agent = new Agent({ connect });

  const guardedFetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const problem = targetProblem(url, policy, classify);
    if (problem) throw new OutboundRefusedError(problem);
    const response = await fetch(input, { ...init, redirect: 'manual', dispatcher: agent } as RequestInit);
    if (response.status >= 300 && response.status < 400) {
      await response.body?.cancel().catch(() => undefined);
      throw new OutboundRefusedError(`answered with a redirect (HTTP ${response.status}), which the connector does not follow: enter the final address`);
    }
    return response;
  };

  const checkAnsweredUrl = async (text: string): Promise<string> => {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw new OutboundRefusedError('must be an absolute http(s) URL');
    }
    const problem = (url.username || url.password ? 'must not contain a user name or password' : undefined) ?? targetProblem(url, policy, classify);
    if (problem) throw new OutboundRefusedError(problem);
    // Resolving can only refuse something when some address class is refused under this policy.
    const mayRefuse = !policy.allowPrivateNetworks || (policy.requireHttps && url.protocol === 'http:');
    if (mayRefuse && ipLiteralOf(url.hostname) === undefined) {
      for (const { address } of await resolve(url.hostname)) {
        const refused = addressProblem(address, url.protocol, policy, classify, `host ${url.hostname} resolves to`);
        if (refused) throw new OutboundRefusedError(refused);
      }
    }
    return url.href;
  };

  return {
    policy,
    fetch: guardedFetch as typeof fetch,
    checkBaseUrl: (text) => checkBaseUrl(text, policy, classify),
    checkAnsweredUrl,
    close: () => agent.close(),
  };
}

const sharedGuards = new Map<string, OutboundGuard>();

/** One guard (one connection pool) per policy for the whole process, for code that has no guard handed to it. */
export function sharedOutboundGuard(policy: OutboundPolicy): OutboundGuard {
  const key = `${policy.allowPrivateNetworks}:${policy.requireHttps}`;
  let guard = sharedGuards.get(key);
  if (!guard) sharedGuards.set(key, (guard = createOutboundGuard({ ...policy })));
  return guard;
}
