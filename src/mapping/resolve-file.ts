/**
 * Which mapping file applies to a conversation, in this order:
 * 1. the file the installation's widget binding names, if any (relative to the mappings folder);
 * 2. `<crm>.widget.<widget_id>.yaml`, if it exists;
 * 3. `<crm>.default.yaml`.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { CrmName } from '../crm/write-plan.ts';

export const defaultMappingName = (crm: CrmName): string => `${crm}.default.yaml`;
export const widgetMappingName = (crm: CrmName, widgetId: string): string => `${crm}.widget.${widgetId}.yaml`;

/** Widget ids become part of a file name: only plain ids may, never "../x". */
const SAFE_WIDGET_ID = /^[A-Za-z0-9_-]+$/;

export interface ResolvedMappingFile {
  path: string;
  /** Why this file: shown in previews and sync records. */
  reason: 'bound' | 'widget' | 'default';
}

export function resolveMappingFile(dir: string, crm: CrmName, widgetId: string, boundFile?: string): ResolvedMappingFile {
  if (boundFile !== undefined && boundFile !== '') return { path: path.resolve(dir, boundFile), reason: 'bound' };
  if (SAFE_WIDGET_ID.test(widgetId)) {
    const widgetFile = path.resolve(dir, widgetMappingName(crm, widgetId));
    if (existsSync(widgetFile)) return { path: widgetFile, reason: 'widget' };
  }
  return { path: path.resolve(dir, defaultMappingName(crm)), reason: 'default' };
}
