/**
 * A loopback port nobody listens on right now. The platform sandbox needs the connector's webhook
 * URL before the connector starts (and the connector the platform's URL), so one side's port is
 * picked first; the moment between closing the probe and listening again is the only race.
 */
import { createServer } from 'node:net';

export async function freePort(host = '127.0.0.1'): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, host, resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof address !== 'object' || address === null) throw new Error(`could not find a free port on ${host}`);
  return address.port;
}
