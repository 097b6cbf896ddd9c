/** Which widget syncs to which installation, with which mapping file. */
import type { Queryable } from './store.ts';

/** Binds every widget of the installation's platform account that has no binding of its own. */
export const ANY_WIDGET = '*';

export interface WidgetBinding {
  installationId: string;
  widgetId: string;
  /** File name inside MAPPINGS_DIR; null: the default mapping of the installation's CRM. */
  mappingFile: string | null;
  enabled: boolean;
}

interface BindingRow {
  installation_id: string;
  widget_id: string;
  mapping_file: string | null;
  enabled: boolean;
}

const toBinding = (row: BindingRow): WidgetBinding => ({
  installationId: row.installation_id,
  widgetId: row.widget_id,
  mappingFile: row.mapping_file,
  enabled: row.enabled,
});

/** The widget's own binding, else the installation's `*` binding, else undefined. */
export async function bindingFor(db: Queryable, installationId: string, widgetId: string): Promise<WidgetBinding | undefined> {
  const [row] = await db.query<BindingRow>(
    `SELECT * FROM widget_bindings WHERE installation_id = $1 AND widget_id IN ($2, $3)
     ORDER BY widget_id = $3 LIMIT 1`,
    [installationId, widgetId, ANY_WIDGET],
  );
  return row ? toBinding(row) : undefined;
}

export async function upsertBinding(db: Queryable, binding: WidgetBinding): Promise<void> {
  await db.query(
    `INSERT INTO widget_bindings (installation_id, widget_id, mapping_file, enabled) VALUES ($1, $2, $3, $4)
     ON CONFLICT (installation_id, widget_id) DO UPDATE SET
       mapping_file = EXCLUDED.mapping_file, enabled = EXCLUDED.enabled, updated_at = now()`,
    [binding.installationId, binding.widgetId, binding.mappingFile, binding.enabled],
  );
}

/** Creates the binding unless one exists: an admin's later changes to it are kept. */
export async function ensureBinding(db: Queryable, binding: WidgetBinding): Promise<void> {
  await db.query(
    `INSERT INTO widget_bindings (installation_id, widget_id, mapping_file, enabled) VALUES ($1, $2, $3, $4)
     ON CONFLICT (installation_id, widget_id) DO NOTHING`,
    [binding.installationId, binding.widgetId, binding.mappingFile, binding.enabled],
  );
}

/** The installation's bindings, `*` first, then by widget id. */
export async function listBindings(db: Queryable, installationId: string): Promise<WidgetBinding[]> {
  const rows = await db.query<BindingRow>(
    `SELECT * FROM widget_bindings WHERE installation_id = $1 ORDER BY widget_id <> $2, widget_id`,
    [installationId, ANY_WIDGET],
  );
  return rows.map(toBinding);
}

/** Removes one binding; false when there was none. */
export async function deleteBinding(db: Queryable, installationId: string, widgetId: string): Promise<boolean> {
  const rows = await db.query('DELETE FROM widget_bindings WHERE installation_id = $1 AND widget_id = $2 RETURNING widget_id', [
    installationId,
    widgetId,
  ]);
  return rows.length > 0;
}
