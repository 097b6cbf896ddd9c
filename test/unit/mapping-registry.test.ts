/** MappingRegistry on a real temp folder: reload on change, last good version kept, problems exposed, resolution order. */
import { mkdtempSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.ts';
import { MappingRegistry, type MappingFileStatus } from '../../src/mapping/registry.ts';
import { resolveMappingFile } from '../../src/mapping/resolve-file.ts';

const file = (title: string) => `version: 1
crm: hubspot
objects:
  contact:
    object: contacts
    match: email
    properties:
      email: { source: extracted_data.email, transforms: [email] }
      jobtitle: { value: "${title}" }
`;

const HS = { installationName: 'default', crm: 'hubspot' } as const;
const SF = { installationName: 'default', crm: 'salesforce' } as const;

let dir: string;
let registry: MappingRegistry | undefined;

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'mappings-'));
});
afterEach(() => {
  registry?.close();
  registry = undefined;
  rmSync(dir, { recursive: true, force: true });
});

/** Saves a file the way editors do (write aside, then rename over) and waits for the registry to read it again. */
async function edit(r: MappingRegistry, name: string, text: string | undefined): Promise<MappingFileStatus> {
  const reloaded = once(r, 'reloaded') as Promise<[MappingFileStatus]>;
  if (text === undefined) unlinkSync(path.join(dir, name));
  else {
    writeFileSync(path.join(dir, `${name}.tmp`), text);
    renameSync(path.join(dir, `${name}.tmp`), path.join(dir, name));
  }
  const [status] = await reloaded;
  return status;
}

const jobtitle = (r: MappingRegistry, name: string) => r.get(name)?.spec.objects.contact?.properties.jobtitle?.value;

describe('MappingRegistry', () => {
  it('reloads a changed file, keeps the last good version live when an edit is broken, and reports the problems', async () => {
    writeFileSync(path.join(dir, 'hubspot.default.yaml'), file('v1'));
    registry = new MappingRegistry({ dir, debounceMs: 20, logger: createLogger({ level: 'silent' }) });
    await registry.start();
    const firstVersion = registry.get('hubspot.default.yaml')?.version;
    expect(jobtitle(registry, 'hubspot.default.yaml')).toBe('v1');

    const good = await edit(registry, 'hubspot.default.yaml', file('v2'));
    expect(good.problems).toEqual([]);
    expect(jobtitle(registry, 'hubspot.default.yaml')).toBe('v2');
    expect(good.liveVersion).not.toBe(firstVersion);

    const broken = await edit(registry, 'hubspot.default.yaml', file('v3').replace('transforms: [email]', 'transforms: [lowercase]'));
    expect(jobtitle(registry, 'hubspot.default.yaml')).toBe('v2');
    expect(broken.liveVersion).toBe(good.liveVersion);
    expect(broken.problems.map((p) => `${p.line}:${p.column} ${p.message}`)).toEqual([
      expect.stringMatching(/^8:59 unknown transform `lowercase` — did you mean `lower`\?/),
    ]);
    expect(registry.status()).toEqual([broken]);

    const fixed = await edit(registry, 'hubspot.default.yaml', file('v4'));
    expect(fixed.problems).toEqual([]);
    expect(jobtitle(registry, 'hubspot.default.yaml')).toBe('v4');
    expect(registry.status()[0]?.problems).toEqual([]);
  });

  it('resolves bound file, then widget file, then default; a broken widget file is an error, not the default', async () => {
    writeFileSync(path.join(dir, 'hubspot.default.yaml'), file('default'));
    writeFileSync(path.join(dir, 'hubspot.widget.wgt_vip.yaml'), file('vip'));
    writeFileSync(path.join(dir, 'special.yaml'), file('special'));
    writeFileSync(path.join(dir, 'hubspot.widget.wgt_broken.yaml'), 'version: 1\ncrm: hubspot\nobjects: {}\n');
    registry = new MappingRegistry({ dir, debounceMs: 20, logger: createLogger({ level: 'silent' }) });
    await registry.start();

    const title = (resolved: ReturnType<MappingRegistry['resolve']>) =>
      resolved.ok ? resolved.mapping.spec.objects.contact?.properties.jobtitle?.value : `error ${resolved.name}`;
    expect(title(registry.resolve(HS, 'wgt_other'))).toBe('default');
    expect(title(registry.resolve(HS, 'wgt_vip'))).toBe('vip');
    expect(title(registry.resolve(HS, 'wgt_vip', 'special.yaml'))).toBe('special');
    const broken = registry.resolve(HS, 'wgt_broken');
    expect(broken.ok).toBe(false);
    if (!broken.ok) expect(broken.problems[0]?.message).toBe('no objects: add at least one, like contact or deal');
    expect(registry.resolve(SF, 'wgt_vip')).toMatchObject({ ok: false, name: 'salesforce.default.yaml' });

    // A widget file that is deleted stops applying: the default takes over.
    await edit(registry, 'hubspot.widget.wgt_vip.yaml', undefined);
    expect(title(registry.resolve(HS, 'wgt_vip'))).toBe('default');
  });
});

describe('MappingRegistry in multi-tenant mode', () => {
  it('gives each installation the shared default and its own tenant files only, and never another tenant\'s file', async () => {
    writeFileSync(path.join(dir, 'hubspot.default.yaml'), file('default'));
    writeFileSync(path.join(dir, 'tenant.hubspot-111.events.yaml'), file('tenant A events'));
    writeFileSync(path.join(dir, 'tenant.hubspot-111.widget.wgt_a.yaml'), file('tenant A widget'));
    writeFileSync(path.join(dir, 'tenant.hubspot-222.vip.yaml'), file('tenant B vip'));
    writeFileSync(path.join(dir, 'hubspot.widget.wgt_a.yaml'), file('operator widget'));
    writeFileSync(path.join(dir, 'tenant.hubspot-111.broken.yaml'), 'version: 1\ncrm: hubspot\nobjects: {}\n');
    registry = new MappingRegistry({ dir, debounceMs: 20, logger: createLogger({ level: 'silent' }), multiTenant: true });
    await registry.start();
    const a = { installationName: 'hubspot:111', crm: 'hubspot' } as const;
    const b = { installationName: 'hubspot:222', crm: 'hubspot' } as const;
    const title = (resolved: ReturnType<MappingRegistry['resolve']>) =>
      resolved.ok ? resolved.mapping.spec.objects.contact?.properties.jobtitle?.value : `error ${resolved.name}: ${resolved.problems[0]?.message}`;

    expect(registry.statusFor(a).map((f) => f.name)).toEqual([
      'hubspot.default.yaml', 'tenant.hubspot-111.broken.yaml', 'tenant.hubspot-111.events.yaml', 'tenant.hubspot-111.widget.wgt_a.yaml',
    ]);
    expect(registry.statusFor(b).map((f) => f.name)).toEqual(['hubspot.default.yaml', 'tenant.hubspot-222.vip.yaml']);
    // The operator's own installation sees the operator's files, not the tenants'.
    expect(registry.statusFor(HS).map((f) => f.name)).toEqual(['hubspot.default.yaml', 'hubspot.widget.wgt_a.yaml']);

    expect(title(registry.resolve(a, 'wgt_a'))).toBe('tenant A widget');
    expect(title(registry.resolve(b, 'wgt_a'))).toBe('default');
    expect(title(registry.resolve(HS, 'wgt_a'))).toBe('operator widget');
    expect(title(registry.resolve(a, 'wgt_x', 'tenant.hubspot-111.events.yaml'))).toBe('tenant A events');
    // B bound to A's file (a binding written around the admin pages) is refused, not served.
    expect(title(registry.resolve(b, 'wgt_x', 'tenant.hubspot-111.events.yaml'))).toBe(
      'error tenant.hubspot-111.events.yaml: this mapping file is not available to this installation',
    );
    expect(registry.getFor(b, 'tenant.hubspot-111.events.yaml')).toBeUndefined();
    expect(registry.getFor(a, 'tenant.hubspot-111.events.yaml')).toBeDefined();
    // Problems name the file, never the server's folder.
    const broken = registry.statusFor(a).find((f) => f.name === 'tenant.hubspot-111.broken.yaml');
    expect(broken?.problems[0]?.file).toBe('tenant.hubspot-111.broken.yaml');
  });
});

describe('resolveMappingFile', () => {
  it('applies the bound file, else the widget file when it exists, else the default', () => {
    writeFileSync(path.join(dir, 'salesforce.widget.wgt_vip.yaml'), file('vip'));
    expect(resolveMappingFile(dir, 'salesforce', 'wgt_vip')).toEqual({ path: path.join(dir, 'salesforce.widget.wgt_vip.yaml'), reason: 'widget' });
    expect(resolveMappingFile(dir, 'salesforce', 'wgt_other')).toEqual({ path: path.join(dir, 'salesforce.default.yaml'), reason: 'default' });
    expect(resolveMappingFile(dir, 'salesforce', 'wgt_vip', 'mine.yaml')).toEqual({ path: path.join(dir, 'mine.yaml'), reason: 'bound' });
    // A widget id never walks out of the folder.
    expect(resolveMappingFile(dir, 'salesforce', '../../etc/passwd').reason).toBe('default');
  });
});
