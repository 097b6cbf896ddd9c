/**
 * Which IP addresses the connector may connect to when the address came from input or from a CRM's
 * answer: public unicast only, unless the operator allows private networks (self-hosting, the
 * sandboxes). Ranges are ipaddr.js's (IANA special-purpose registries), not a hand-kept list.
 */
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

export type AddressClass =
  | { kind: 'public' }
  /** `reason` completes "... is": an admin reads it beside the URL they entered. */
  | { kind: 'internal'; reason: string };

/** Classifies one address; the guard lets tests swap it (a loopback test server posing as a public host). */
export type AddressClassifier = (address: string) => AddressClass;

const REASONS: Record<string, string> = {
  loopback: 'a loopback address (this machine)',
  private: 'a private-network address (RFC 1918)',
  linkLocal: 'a link-local address (this includes the cloud metadata service, 169.254.169.254)',
  carrierGradeNat: 'a carrier-grade NAT address (100.64.0.0/10)',
  uniqueLocal: 'a unique-local IPv6 address (fc00::/7)',
  multicast: 'a multicast address',
  unspecified: 'the unspecified address',
  broadcast: 'the broadcast address',
  reserved: 'a reserved address',
  teredo: 'a Teredo tunnel address',
};

/** IPv6 forms that carry an IPv4 address, classified by the address they carry (::ffff:127.0.0.1 is loopback). */
function embeddedIPv4(address: ipaddr.IPv6): ipaddr.IPv4 | undefined {
  const range = address.range();
  const bytes = address.toByteArray();
  if (range === 'ipv4Mapped' || range === 'rfc6145') return address.toIPv4Address();
  // NAT64 (64:ff9b::/96): the IPv4 address is the last 32 bits.
  if (range === 'rfc6052') return new ipaddr.IPv4(bytes.slice(12, 16));
  // 6to4 (2002::/16): the IPv4 address is bits 16–48.
  if (range === '6to4') return new ipaddr.IPv4(bytes.slice(2, 6));
  return undefined;
}

export const classifyAddress: AddressClassifier = (text) => {
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  if (!ipaddr.isValid(bare)) return { kind: 'internal', reason: 'not an IP address' };
  let address = ipaddr.parse(bare);
  if (address.kind() === 'ipv6') address = embeddedIPv4(address as ipaddr.IPv6) ?? address;
  const range = address.range();
  if (range === 'unicast') return { kind: 'public' };
  return { kind: 'internal', reason: REASONS[range] ?? `a special-purpose address (${range})` };
};

/** An IP literal as a URL host or socket host (`127.0.0.1`, `[::1]`, `::1`), or undefined for a name. */
export function ipLiteralOf(host: string): string | undefined {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  // The same test net.connect applies to skip name resolution: these never reach a lookup hook.
  return isIP(bare) === 0 ? undefined : bare;
}
