/** What every part of the running sandbox shares: options, clock, portals and credentials. */
import type { OperationOptions } from './object-operations.ts';
import type { PortalRegistry } from './portals.ts';
import type { TokenVault } from './tokens.ts';

export interface SandboxContext {
  portals: PortalRegistry;
  tokens: TokenVault;
  operations: OperationOptions;
  now: () => number;
}
