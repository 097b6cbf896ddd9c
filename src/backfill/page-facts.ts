/**
 * What a backfill must know about a listed page before deciding (page-decisions.ts): which
 * conversations were forgotten, which widgets are bound, what was synced with which mapping
 * version, and which version a sync would use now. A few queries per page, not per conversation.
 */
import { formatProblem } from '../mapping/problems.ts';
import type { MappingRegistry } from '../mapping/registry.ts';
import type { Conversation } from '../platform/schemas.ts';
import { forgottenAmong } from '../store/forgotten-conversations.ts';
import type { Installation } from '../store/installations.ts';
import type { Queryable } from '../store/store.ts';
import { bindingFor, type WidgetBinding } from '../store/widget-bindings.ts';
import type { PageFacts } from './page-decisions.ts';

/** The mapping a sync of the widget would use now cannot be used: the backfill stops rather than enqueue syncs that can only fail. */
export class UnusableMappingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnusableMappingError';
  }
}

export interface MappingVersions {
  /** Version of the mapping a sync of `widgetId` would use now; throws UnusableMappingError when that file cannot be used. */
  current(installation: Installation, binding: WidgetBinding, widgetId: string): string;
}

/** Mapping versions from the live mapping registry, resolved the way the sync job resolves them. */
export function registryMappingVersions(registry: MappingRegistry): MappingVersions {
  return {
    current(installation, binding, widgetId) {
      const resolved = registry.resolve({ installationName: installation.name, crm: installation.crm }, widgetId, binding.mappingFile ?? undefined);
      if (!resolved.ok) {
        throw new UnusableMappingError(
          `mapping file ${resolved.name} (widget ${widgetId}) cannot be used: ${resolved.problems.map(formatProblem).join('; ')}. ` +
            'Fix it, then resume the backfill',
        );
      }
      return resolved.mapping.version;
    },
  };
}

export async function gatherPageFacts(
  db: Queryable,
  installation: Installation,
  conversations: readonly Pick<Conversation, 'id' | 'widget_id'>[],
  versions: MappingVersions,
): Promise<PageFacts> {
  const ids = conversations.map((c) => c.id);
  const boundWidgets = new Set<string>();
  const currentVersions = new Map<string, string>();
  for (const widgetId of new Set(conversations.map((c) => c.widget_id))) {
    const binding = await bindingFor(db, installation.id, widgetId);
    if (!binding?.enabled) continue;
    boundWidgets.add(widgetId);
    currentVersions.set(widgetId, versions.current(installation, binding, widgetId));
  }
  return {
    forgotten: await forgottenAmong(db, installation.id, ids),
    boundWidgets,
    syncedVersions: await syncedMappingVersions(db, installation.id, ids),
    currentVersions,
  };
}

/** Conversation id → mapping version, for those of `ids` whose sync record is `synced`. */
async function syncedMappingVersions(db: Queryable, installationId: string, ids: readonly string[]): Promise<Map<string, string | null>> {
  if (ids.length === 0) return new Map();
  const rows = await db.query<{ conversation_id: string; mapping_version: string | null }>(
    `SELECT conversation_id, mapping_version FROM sync_records
     WHERE installation_id = $1 AND conversation_id = ANY($2::text[]) AND status = 'synced'`,
    [installationId, [...ids]],
  );
  return new Map(rows.map((r) => [r.conversation_id, r.mapping_version]));
}
