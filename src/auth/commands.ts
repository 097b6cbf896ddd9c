/**
 * `crm-connector manifest …` (what the marketplaces need, generated from manifest.json) and
 * `crm-connector secrets reseal` (the last step of a secret key rotation). Loaded only when run.
 */
import { type Command, InvalidArgumentError } from 'commander';
import { reportFailure } from '../server-commands.ts';

export interface HubSpotProjectCliOptions {
  out: string;
  publicUrl?: string;
  manifest?: string;
}

const publicUrlOption = (value: string): string => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError('--public-url must be an absolute URL, e.g. https://connector.example.com');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new InvalidArgumentError('--public-url must be an http(s) URL.');
  return value;
};

export function registerAuthCommands(program: Command): void {
  registerManifestCommands(program);
  program
    .command('secrets')
    .description('installation secrets encrypted with CONNECTOR_SECRET_KEY')
    .command('reseal')
    .description('re-encrypt every installation secret with the first key of CONNECTOR_SECRET_KEY (after a rotation; then drop the old key)')
    .action(() => reportFailure(resealCommand));
}

async function resealCommand(): Promise<void> {
  const { loadConfig } = await import('../config.ts');
  const { openBackend } = await import('../server.ts');
  const { createLogger } = await import('../log.ts');
  const { resealSecrets } = await import('./reseal.ts');
  const config = loadConfig();
  const backend = await openBackend(config, { maintain: false, logger: createLogger({ level: config.logLevel }) });
  try {
    const report = await resealSecrets(backend.store, backend.box);
    process.stdout.write(
      `${report.resealedValues} secret(s) of ${report.installations} installation(s) resealed with key ${report.keyId}; ` +
        'every secret is now sealed with it, so older keys can be removed from CONNECTOR_SECRET_KEY\n',
    );
  } finally {
    await backend.close();
  }
}

function registerManifestCommands(program: Command): void {
  const manifest = program.command('manifest').description('generate marketplace app definitions from manifest.json');
  manifest
    .command('hubspot-project')
    .description('write a HubSpot developer-platform project (hsproject.json, src/app/app-hsmeta.json) for `hs project upload`')
    .requiredOption('--out <dir>', 'directory to write the project into')
    .option('--public-url <url>', 'the connector\'s public address, base of the OAuth redirect URL (default: PUBLIC_URL)', publicUrlOption)
    .option('--manifest <file>', 'another manifest file (default: the manifest.json this build ships)')
    .action(async (options: HubSpotProjectCliOptions, command: Command) => {
      const publicUrl = options.publicUrl ?? process.env.PUBLIC_URL?.trim();
      if (!publicUrl) command.error('error: give --public-url or set PUBLIC_URL: the redirect URL HubSpot registers is that address plus the manifest redirect path');
      const { readManifest, manifest: shipped, ManifestError } = await import('../manifest.ts');
      const { hubSpotProjectFiles, writeHubSpotProject } = await import('./hubspot-project.ts');
      try {
        const source = options.manifest ? await readManifest(options.manifest) : shipped;
        const written = await writeHubSpotProject(options.out, hubSpotProjectFiles(source, publicUrlOption(publicUrl)));
        process.stdout.write(`${written.map((file) => `wrote ${file}`).join('\n')}\n`);
      } catch (error) {
        if (error instanceof ManifestError || error instanceof InvalidArgumentError) command.error(`error: ${error.message}`);
        throw error;
      }
    });
}
