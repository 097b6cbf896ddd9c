/** Runs the Salesforce sandbox in the foreground (the CLI command) until SIGINT or SIGTERM. */
import type { SalesforceSandboxCliOptions } from './commands.ts';
import { startSalesforceSandbox, type OrgCredentials } from './index.ts';

export async function runSalesforceSandbox(options: SalesforceSandboxCliOptions): Promise<void> {
  const sandbox = await startSalesforceSandbox({
    port: options.port,
    host: options.host,
    dailyLimit: options.dailyLimit,
    accessTokenTtlSeconds: options.tokenTtlSeconds,
    ...(options.oauthClient.length > 0 ? { oauthClients: options.oauthClient } : {}),
  });
  const orgs: OrgCredentials[] = [sandbox.defaultOrg];
  while (orgs.length < options.orgs) orgs.push(sandbox.createOrg());
  const client = sandbox.oauthClients[0]!;
  // A secret the user gave is not echoed back; a generated one is the only way to learn it.
  const secret = options.oauthClient.length > 0 ? '(as given)' : client.clientSecret;
  // Printed on purpose: a local sandbox's tokens are what the user needs to point jsforce at it.
  process.stdout.write([
    `Salesforce sandbox: ${sandbox.url}   (jsforce instanceUrl and oauth2.loginUrl)`,
    `OAuth client:       ${client.clientId}  secret ${secret}  redirect ${client.redirectUri}`,
    ...orgs.flatMap((org) => [
      `Org ${org.orgId} (${org.username})`,
      `  access token:     ${org.accessToken}`,
      `  refresh token:    ${org.refreshToken}`,
    ]),
    `Inspect:            ${sandbox.url}/_sandbox`,
    `Daily allocation:   ${options.dailyLimit} API calls per org (rolling 24 h)`,
    'Ctrl-C stops it.',
    '',
  ].join('\n'));
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await sandbox.close();
}
