/**
 * Reading dates the way visitors and extraction models write them, and writing them the way
 * each CRM wants. A date-time keeps the calendar date it was written with: "2026-06-15T23:30-07:00"
 * is June 15 (the visitor's day), not June 16 in UTC.
 */
import type { CrmName } from '../crm/write-plan.ts';

export interface CalendarDate {
  year: number;
  month: number;
  day: number;
}

export type ParsedDate =
  | { kind: 'date'; date: CalendarDate }
  /** `offsetMinutes` is the offset the value was written with (0 for Z or none), kept so shifting by days keeps local dates. */
  | { kind: 'datetime'; epochMs: number; offsetMinutes: number; date: CalendarDate };

const MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];
const DAY_MS = 86_400_000;

/** 1–12 for an English month name or an abbreviation of at least three letters ("Sept.", "jun"). */
const monthOf = (name: string): number | undefined => {
  const word = name.toLowerCase().replace(/\.$/, '');
  if (word.length < 3) return undefined;
  const index = MONTHS.findIndex((month) => month.startsWith(word));
  return index >= 0 ? index + 1 : undefined;
};

function calendarDate(year: number, month: number, day: number): CalendarDate | undefined {
  const probe = new Date(Date.UTC(year, month - 1, day));
  if (year < 1000 || probe.getUTCFullYear() !== year || probe.getUTCMonth() !== month - 1 || probe.getUTCDate() !== day) return undefined;
  return { year, month, day };
}

const ISO_DATETIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;

/** A date or date-time, or a sentence saying why the text is not one. */
export function parseDate(input: string | number | boolean): ParsedDate | { error: string } {
  if (typeof input === 'boolean') return { error: `${input} is not a date` };
  if (typeof input === 'number') {
    // Epoch milliseconds only: smaller numbers are more likely counts than seconds-since-1970.
    if (!Number.isFinite(input) || input < 1e11) return { error: `${input} is not a date` };
    const d = new Date(input);
    return { kind: 'datetime', epochMs: input, offsetMinutes: 0, date: { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() } };
  }
  const text = input.trim().replace(/^(mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+/i, '');
  const fail = { error: `\`${input}\` is not a date (write it like 2026-06-15)` };

  let m = ISO_DATETIME.exec(text);
  if (m) {
    const date = calendarDate(Number(m[1]), Number(m[2]), Number(m[3]));
    const [hours, minutes, seconds] = [Number(m[4]), Number(m[5]), Number(m[6] ?? 0)];
    if (!date || hours > 23 || minutes > 59 || seconds > 59) return fail;
    const offsetMinutes = parseOffset(m[8]);
    const millis = m[7] ? Math.round(Number(m[7]) * 1000) : 0;
    const epochMs = Date.UTC(date.year, date.month - 1, date.day, hours, minutes, seconds, millis) - offsetMinutes * 60_000;
    return { kind: 'datetime', epochMs, offsetMinutes, date };
  }
  if ((m = /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$/.exec(text))) return dateOrFail(Number(m[1]), Number(m[2]), Number(m[3]), fail);
  // 15 June 2026, 15 Jun. 2026
  if ((m = /^(\d{1,2})(?:st|nd|rd|th)?\s+([A-Za-z]+\.?),?\s+(\d{4})$/.exec(text))) {
    const month = monthOf(m[2] ?? '');
    return month ? dateOrFail(Number(m[3]), month, Number(m[1]), fail) : fail;
  }
  // June 15, 2026 / Jun 15 2026
  if ((m = /^([A-Za-z]+\.?)\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})$/.exec(text))) {
    const month = monthOf(m[1] ?? '');
    return month ? dateOrFail(Number(m[3]), month, Number(m[2]), fail) : fail;
  }
  // 15/06/2026 or 06/15/2026: only when the day is unmistakable.
  if ((m = /^(\d{1,2})[/.](\d{1,2})[/.](\d{4})$/.exec(text))) {
    const [a, b, year] = [Number(m[1]), Number(m[2]), Number(m[3])];
    if (a > 12 && b <= 12) return dateOrFail(year, b, a, fail);
    if (b > 12 && a <= 12) return dateOrFail(year, a, b, fail);
    if (a === b) return dateOrFail(year, a, b, fail);
    return { error: `\`${input}\` is ambiguous (day/month or month/day?): write it like 2026-06-15` };
  }
  return fail;
}

function dateOrFail(year: number, month: number, day: number, fail: { error: string }): ParsedDate | { error: string } {
  const date = calendarDate(year, month, day);
  return date ? { kind: 'date', date } : fail;
}

function parseOffset(zone: string | undefined): number {
  if (!zone || zone.toUpperCase() === 'Z') return 0;
  const digits = zone.replace(':', '');
  const sign = digits.startsWith('-') ? -1 : 1;
  return sign * (Number(digits.slice(1, 3)) * 60 + Number(digits.slice(3, 5)));
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');
export const isoDate = ({ year, month, day }: CalendarDate): string => `${pad(year, 4)}-${pad(month)}-${pad(day)}`;
const midnightUtc = ({ year, month, day }: CalendarDate): number => Date.UTC(year, month - 1, day);

/** A date (or date-time) moved by whole days, in the same kind and written offset. */
export function addDays(parsed: ParsedDate, days: number): ParsedDate {
  if (parsed.kind === 'date') {
    const d = new Date(midnightUtc(parsed.date) + days * DAY_MS);
    return { kind: 'date', date: { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() } };
  }
  const epochMs = parsed.epochMs + days * DAY_MS;
  const local = new Date(epochMs + parsed.offsetMinutes * 60_000);
  return { ...parsed, epochMs, date: { year: local.getUTCFullYear(), month: local.getUTCMonth() + 1, day: local.getUTCDate() } };
}

/** ISO 8601 text keeping the written offset, so the value can go through more transforms unchanged in meaning. */
export function formatIso(parsed: ParsedDate): string {
  if (parsed.kind === 'date') return isoDate(parsed.date);
  const local = new Date(parsed.epochMs + parsed.offsetMinutes * 60_000).toISOString().slice(0, 23);
  if (parsed.offsetMinutes === 0) return `${local}Z`;
  const abs = Math.abs(parsed.offsetMinutes);
  return `${local}${parsed.offsetMinutes < 0 ? '-' : '+'}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/**
 * A date property value: HubSpot wants midnight UTC of the day, as epoch milliseconds (any other
 * time of day is rejected); Salesforce Date fields take YYYY-MM-DD.
 */
export function formatCrmDate(parsed: ParsedDate, crm: CrmName): string | number {
  return crm === 'hubspot' ? midnightUtc(parsed.date) : isoDate(parsed.date);
}

/** A date-time property value: epoch milliseconds for HubSpot, ISO 8601 in UTC for Salesforce. A bare date means midnight UTC. */
export function formatCrmDateTime(parsed: ParsedDate, crm: CrmName): string | number {
  const epochMs = parsed.kind === 'date' ? midnightUtc(parsed.date) : parsed.epochMs;
  return crm === 'hubspot' ? epochMs : new Date(epochMs).toISOString();
}
