/**
 * Checks a base URL that came from input (an admin's platform API URL, PLATFORM_API_URL) or from
 * a CRM's answer (a Salesforce instance URL) before anything is sent to it. Paths are appended to a
 * base URL, so a query or fragment would swallow them (`https://host/#` drops `/api/v1/...`), and a
 * user name or password would travel to whoever the host is.
 */
import type { OutboundPolicy } from '../config.ts';
import { classifyAddress, ipLiteralOf, type AddressClassifier } from './address-class.ts';
import { OutboundRefusedError } from './outbound-refused.ts';

const EXAMPLE = 'e.g. https://api.platform.example';

/** What is wrong with the shape of a base URL regardless of where it points, or undefined. */
export function baseUrlShapeProblem(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `must be an absolute http(s) URL, ${EXAMPLE}`;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return `must be an absolute http(s) URL, ${EXAMPLE}`;
  if (url.username !== '' || url.password !== '') return 'must not contain a user name or password: the API key has its own field';
  // The raw text too: `https://host/?` and `https://host/#` parse to an empty search and hash.
  if (url.search !== '' || text.includes('?')) return 'must not contain a query ("?..."): the connector appends the API path and its parameters itself';
  if (url.hash !== '' || text.includes('#')) return 'must not contain a fragment ("#..."): the connector appends the API path itself';
  return undefined;
}

/**
 * Why a request to this URL's host must not be sent before any name is resolved (its scheme, an IP
 * literal's class), or undefined. Names are checked when they resolve (outbound-guard.ts).
 */
export function targetProblem(url: URL, policy: OutboundPolicy, classify: AddressClassifier = classifyAddress): string | undefined {
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must be an http(s) URL';
  const plainHttpRefused = policy.requireHttps && url.protocol === 'http:';
  if (plainHttpRefused && !policy.allowPrivateNetworks) return 'must use https';
  const literal = ipLiteralOf(url.hostname);
  if (literal === undefined) return undefined;
  return addressProblem(literal, url.protocol, policy, classify, `points to ${literal}, which is`);
}

/** Why connecting to this address over this protocol is refused, led by `subject`; undefined when allowed. */
export function addressProblem(
  address: string,
  protocol: string,
  policy: OutboundPolicy,
  classify: AddressClassifier,
  subject: string,
): string | undefined {
  const verdict = classify(address);
  if (verdict.kind === 'internal' && !policy.allowPrivateNetworks) {
    return `${subject} ${verdict.reason}: the connector only connects to public addresses`;
  }
  if (verdict.kind === 'public' && policy.requireHttps && protocol === 'http:') {
    return 'must use https (plain http is only allowed to private-network addresses)';
  }
  return undefined;
}

/**
 * The URL normalised (lower-case host, default port dropped, no trailing slash) when it may be
 * used as a base URL under `policy`; otherwise throws an OutboundRefusedError saying what is wrong.
 */
export function checkBaseUrl(text: string, policy: OutboundPolicy, classify: AddressClassifier = classifyAddress): string {
  const trimmed = text.trim();
  const problem = baseUrlShapeProblem(trimmed) ?? targetProblem(new URL(trimmed), policy, classify);
  if (problem) throw new OutboundRefusedError(problem);
  return normaliseBaseUrl(trimmed);
}

/** The form two base URLs are compared in: `https://API.example:443/` and `https://api.example` are one address. */
export function normaliseBaseUrl(text: string): string {
  return new URL(text.trim()).href.replace(/\/+$/, '');
}
