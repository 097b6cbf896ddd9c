/**
 * The client address a per-address limit counts against. `req.ip` is the TCP peer, or with
 * TRUST_PROXY the address the trusted proxies forwarded (express's `trust proxy`): config.ts.
 * IPv6 clients are counted per /64, the block one subscriber usually holds: otherwise each request
 * could come from a fresh address of the same host.
 */
import type { Request } from 'express';
import ipaddr from 'ipaddr.js';

export function clientAddressKey(req: Request): string {
  const address = req.ip ?? req.socket.remoteAddress;
  if (address === undefined || !ipaddr.isValid(address)) return 'unknown';
  // process() turns an IPv4-mapped IPv6 address (::ffff:203.0.113.7) back into IPv4.
  const parsed = ipaddr.process(address);
  if (parsed.kind() === 'ipv4') return parsed.toString();
  const { parts } = parsed as ipaddr.IPv6;
  return `${new ipaddr.IPv6([...parts.slice(0, 4), 0, 0, 0, 0]).toString()}/64`;
}
