/**
 * `mappings check [files...] [--installation I]`: the mapping files that apply to an installation's
 * CRM (`<crm>.*.yaml` in MAPPINGS_DIR, or the files given), checked against that CRM's live schema:
 * Salesforce through describe (unknown fields, fields it will not let the connector set, wrong
 * types, inactive or unknown picklist values), HubSpot through the properties API (unknown
 * properties, read-only ones, wrong types, invalid enumeration options). Values are checked where
 * the mapping fixes them (`value:`). Prints `file:line:col path: message`; exit 1 on any error
 * (warnings alone pass).
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { createAuth } from '../auth/auth-service.ts';
import { openCommandBackend, installationOf } from '../backfill/command-backend.ts';
import { loadConfig } from '../config.ts';
import { checkMappingAgainstProperties, readPortalProperties, type MappedObject } from '../crm/hubspot/schema-check.ts';
import type { ValueOrigin } from '../crm/write-plan.ts';
import { createLogger, type Logger } from '../log.ts';
import { getInstallation, type Installation } from '../store/installations.ts';
import { HUBSPOT_API_URL } from '../sync/hubspot-installation.ts';
import { salesforceInstallationAdapter } from '../sync/salesforce-installation.ts';
import type { InstallationTokens } from '../auth/installation-tokens.ts';
import type { CommandIo } from './commands.ts';
import { roleOf } from './crm-objects.ts';
import { loadMappingFile, type LoadedMapping } from './load.ts';
import { formatProblem } from './problems.ts';

export interface CheckCliOptions {
  installation?: string;
}

/** One finding, wherever it comes from: the file's own problems or the CRM's schema. */
interface Finding {
  severity: 'error' | 'warning';
  origin: ValueOrigin | undefined;
  file: string;
  message: string;
}

export async function runCheck(files: string[], options: CheckCliOptions, io: CommandIo): Promise<number> {
  const config = loadConfig();
  const logger = createLogger({ level: process.env.LOG_LEVEL ? config.logLevel : 'warn' });
  const backend = await openCommandBackend(config, logger, {
    command: 'crm-connector mappings check',
    instead: 'set DATABASE_URL to share a Postgres store, or check while the service is stopped',
  });
  try {
    const id = installationOf(config, options.installation);
    const installation = await getInstallation(backend.store, backend.box, id);
    if (!installation) throw new Error(`--installation ${id}: no such installation`);
    const targets = files.length > 0 ? files : await mappingFilesFor(config.mappingsDir, installation);
    if (targets.length === 0) {
      io.err(`no ${installation.crm}.*.yaml mapping files in ${config.mappingsDir}`);
      return 1;
    }
    const tokens = createAuth({ config, store: backend.store, box: backend.box, logger }).tokens;
    let errors = 0;
    for (const file of targets) {
      const findings = await checkFile(file, installation, { tokens, logger });
      for (const finding of findings) io.err(formatFinding(finding));
      const fileErrors = findings.filter((f) => f.severity === 'error').length;
      errors += fileErrors;
      const warnings = findings.length - fileErrors;
      if (fileErrors === 0) {
        io.out(`ok ${file}: matches the ${installation.crm} schema of installation ${installation.id}${warnings > 0 ? ` (${warnings} warning(s) above)` : ''}`);
      }
    }
    if (errors > 0) io.err(`${errors} problem(s) against the live ${installation.crm} schema`);
    return errors > 0 ? 1 : 0;
  } finally {
    await backend.close({ graceful: true, timeoutMs: config.shutdownTimeoutSeconds * 1000 });
  }
}

async function mappingFilesFor(dir: string, installation: Installation): Promise<string[]> {
  const names = await readdir(dir).catch((error: Error) => {
    throw new Error(`cannot read the mappings folder ${dir}: ${error.message}`, { cause: error });
  });
  return names.filter((name) => name.startsWith(`${installation.crm}.`) && /\.ya?ml$/.test(name)).sort().map((name) => path.join(dir, name));
}

async function checkFile(file: string, installation: Installation, deps: { tokens: InstallationTokens; logger: Logger }): Promise<Finding[]> {
  const loaded = await loadMappingFile(file);
  if (!loaded.ok) {
    return loaded.problems.map((p) => ({ severity: 'error', origin: undefined, file, message: formatProblem(p) }));
  }
  const mapping = loaded.mapping;
  if (mapping.spec.crm !== installation.crm) {
    return [{ severity: 'error', origin: undefined, file, message: `${file}:1:1 crm: the file maps to ${mapping.spec.crm}, but installation ${installation.id} writes to ${installation.crm}` }];
  }
  const objects = mappedObjects(mapping);
  const issues = installation.crm === 'salesforce'
    ? await salesforceInstallationAdapter(installation, { logger: deps.logger, tokens: () => deps.tokens }).checkMapping(objects)
    : checkMappingAgainstProperties(objects, await readPortalProperties(
      { basePath: installation.crmSettings.apiUrl ?? HUBSPOT_API_URL, accessToken: await deps.tokens.hubspot(installation).getAccessToken() },
      objects.map((o) => o.object),
    ));
  return issues
    .map((issue): Finding => ({ severity: issue.severity, origin: issue.origin, file, message: issue.message }))
    .sort((a, b) => (a.origin?.line ?? 0) - (b.origin?.line ?? 0) || (a.origin?.column ?? 0) - (b.origin?.column ?? 0));
}

/** The objects and properties a mapping writes; a fixed value (no transforms) is checked too. */
function mappedObjects(mapping: LoadedMapping): MappedObject[] {
  const origin = (dotted: string): ValueOrigin => mapping.origins[dotted] ?? { file: mapping.file, line: 1, column: 1, path: dotted };
  // A loaded mapping names only objects of its CRM, so every object has a role.
  return Object.entries(mapping.spec.objects).flatMap(([key, object]) => {
    const role = roleOf(mapping.spec.crm, object.object);
    if (!role) return [];
    return [{
      key,
      object: object.object,
      role,
      properties: Object.entries(object.properties).map(([name, property]) => ({
        name,
        origin: origin(`objects.${key}.properties.${name}`),
        ...(property.value !== undefined && property.transforms.length === 0 && { value: property.value }),
      })),
      ...(object.match !== undefined && { match: { property: object.match, origin: origin(`objects.${key}.match`) } }),
    }];
  });
}

function formatFinding(finding: Finding): string {
  if (!finding.origin) return finding.message;
  const { file, line, column, path: keyPath } = finding.origin;
  return `${file}:${line}:${column} ${keyPath}: ${finding.severity === 'warning' ? 'warning: ' : ''}${finding.message}`;
}
