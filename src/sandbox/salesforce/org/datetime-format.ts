/** Salesforce's JSON datetime format: `2026-04-10T12:36:07.000+0000` (always UTC). */
export function formatDatetime(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}
