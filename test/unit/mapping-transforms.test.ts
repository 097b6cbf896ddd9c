/** The closed set of transforms, one behaviour per row, including the awkward inputs. */
import { describe, expect, it } from 'vitest';
import { parseDate } from '../../src/mapping/dates.ts';
import { normalisePhone } from '../../src/mapping/phone.ts';
import type { Transform } from '../../src/mapping/schema.ts';
import { splitName } from '../../src/mapping/split-name.ts';
import { runTransforms, type Step, type TransformContext, type Value } from '../../src/mapping/transforms.ts';

const hubspot: TransformContext = { crm: 'hubspot', visitorCountry: 'US' };
const salesforce: TransformContext = { crm: 'salesforce', visitorCountry: 'US' };

const run = (value: unknown, transforms: Transform[], ctx = hubspot): Step =>
  runTransforms({ ok: true, value: value as Value }, transforms, ctx, false);
const valueOf = (step: Step) => (step.ok ? step.value : `✗ ${step.reason}`);

describe('split_name', () => {
  it.each([
    ['Jane Doe', 'Jane', 'Doe'],
    ['Madonna', 'Madonna', undefined],
    ['José Ñúñez', 'José', 'Ñúñez'],
    ['王小明', '小明', '王'],
    ['欧阳娜娜', '娜娜', '欧阳'],
    ['山田 太郎', '太郎', '山田'],
    ['김민수', '민수', '김'],
    ['Zoë Ødegård-Smith', 'Zoë', 'Ødegård-Smith'],
    ['   Zoë    Ødegård-Smith  ', 'Zoë', 'Ødegård-Smith'],
    ['Ludwig van Beethoven', 'Ludwig', 'van Beethoven'],
    ['Doe, Jane', 'Jane', 'Doe'],
    ['Dr. Jane Doe', 'Jane', 'Doe'],
    // Decomposed "é" (e + combining accent) is composed first, so it compares equal to what CRMs store.
    ['Jose\u0301 Nu\u0301n\u0303ez', 'José', 'Núñez'],
  ])('%s → first %s, last %s', (full, first, last) => {
    expect(splitName(full)).toEqual({ ...(first !== undefined && { first }), ...(last !== undefined && { last }) });
  });

  it('gives no last name for a single name, with a reason', () => {
    expect(valueOf(run('Madonna', [{ split_name: 'last' }]))).toBe('✗ `Madonna` has no last name');
    expect(valueOf(run('Madonna', [{ split_name: 'first' }]))).toBe('Madonna');
  });
});

describe('dates', () => {
  it.each([
    ['2026-06-15', 1781481600000, '2026-06-15'],
    ['15 June 2026', 1781481600000, '2026-06-15'],
    ['June 15, 2026', 1781481600000, '2026-06-15'],
    ['Monday, June 15th, 2026', 1781481600000, '2026-06-15'],
    ['15/06/2026', 1781481600000, '2026-06-15'],
    ['06/15/2026', 1781481600000, '2026-06-15'],
    // The visitor's calendar day, not the UTC one: 23:30 in Los Angeles is already the 16th in UTC.
    ['2026-06-15T23:30:00-07:00', 1781481600000, '2026-06-15'],
  ])('date %s → HubSpot %d (midnight UTC), Salesforce %s', (input, hubspotValue, salesforceValue) => {
    expect(valueOf(run(input, ['date'], hubspot))).toBe(hubspotValue);
    expect(new Date(hubspotValue).toISOString()).toBe(`${salesforceValue}T00:00:00.000Z`);
    expect(valueOf(run(input, ['date'], salesforce))).toBe(salesforceValue);
  });

  it('writes date-times as epoch milliseconds for HubSpot and ISO UTC for Salesforce', () => {
    expect(valueOf(run('2026-04-10T12:36:07Z', ['datetime'], hubspot))).toBe(Date.UTC(2026, 3, 10, 12, 36, 7));
    expect(valueOf(run('2026-04-10T14:36:07+02:00', ['datetime'], salesforce))).toBe('2026-04-10T12:36:07.000Z');
    expect(valueOf(run('2026-06-15', ['datetime'], salesforce))).toBe('2026-06-15T00:00:00.000Z');
  });

  it('refuses what is not a date, or is ambiguous, with a reason', () => {
    expect(valueOf(run('next Saturday', ['date']))).toBe('✗ `next Saturday` is not a date (write it like 2026-06-15)');
    expect(valueOf(run('03/04/2026', ['date']))).toMatch(/is ambiguous/);
    expect(valueOf(run('2026-02-30', ['date']))).toMatch(/is not a date/);
    expect(valueOf(run(50, ['date']))).toBe('✗ 50 is not a date');
  });

  it('adds days keeping the written offset, then formats', () => {
    expect(valueOf(run('2026-04-10T23:30:00-07:00', [{ add_days: 30 }, 'date'], salesforce))).toBe('2026-05-10');
    expect(valueOf(run('2026-12-20', [{ add_days: 30 }], salesforce))).toBe('2027-01-19');
    expect(valueOf(run('2026-04-10T12:36:07Z', [{ add_days: -1 }]))).toBe('2026-04-09T12:36:07.000Z');
    const parsed = parseDate('2026-04-10T23:30:00-07:00');
    expect('error' in parsed ? undefined : parsed.date).toEqual({ year: 2026, month: 4, day: 10 });
  });
});

describe('phone', () => {
  it.each([
    ['(415) 555-0123', 'US', '+14155550123'],
    ['1-415-555-0123', 'US', '+14155550123'],
    ['+44 20 7946 0958', 'US', '+442079460958'],
    ['0044 20 7946 0958', undefined, '+442079460958'],
    ['020 7946 0958', 'GB', '+442079460958'],
    ['06 12 34 56 78', 'FR', '+33612345678'],
    ['06 1234 5678', 'IT', '+390612345678'],
    ['+1 212 555 0199 ext. 12', 'US', '+12125550199'],
    // Not a valid North American number: kept as typed rather than guessed.
    ['012 345 6789', 'US', '012 345 6789'],
    // No country to go by: kept as typed, whitespace tidied.
    ['0612  345 678', undefined, '0612 345 678'],
  ])('%s (visitor in %s) → %s', (input, country, wanted) => {
    expect(normalisePhone(input, country)).toEqual({ value: wanted });
  });

  it('is not a phone number with too few or too many digits', () => {
    expect(normalisePhone('555-01', 'US')).toEqual({ error: '`555-01` is not a phone number' });
    expect(normalisePhone('1234567890123456', 'US')).toEqual({ error: '`1234567890123456` is not a phone number' });
  });

  it('uses the visitor country by default and an explicit country when given', () => {
    const gb: TransformContext = { crm: 'hubspot', visitorCountry: 'GB' };
    expect(valueOf(run('020 7946 0958', ['phone'], gb))).toBe('+442079460958');
    expect(valueOf(run('020 7946 0958', [{ phone: { country: 'GB' } }], hubspot))).toBe('+442079460958');
  });
});

describe('text, numbers and booleans', () => {
  it.each<[unknown, Transform[], unknown]>([
    ['  Jane  ', ['trim'], 'Jane'],
    ['Jane', ['upper'], 'JANE'],
    ['JANE', ['lower'], 'jane'],
    ['  Jane.Doe@Contoso.EXAMPLE ', ['email'], 'jane.doe@contoso.example'],
    ['Jane Doe <jane@contoso.example>', ['email'], 'jane@contoso.example'],
    ['mailto:jane@contoso.example', ['email'], 'jane@contoso.example'],
    ['jane@contoso', ['email'], '✗ `jane@contoso` is not an email address'],
    ['Jane@Contoso.example', ['email_domain'], 'contoso.example'],
    ['sam@gmail.com', ['email_domain'], '✗ gmail.com is a personal email provider, not a company domain'],
    ['1,200', ['number'], 1200],
    ['about 120 guests', ['number'], 120],
    ['$4,500.50', ['number'], 4500.5],
    ['50-60', ['number'], '✗ `50-60` is not a number'],
    ['fifty', ['number'], '✗ `fifty` is not a number'],
    ['Yes', ['boolean'], true],
    ['n', ['boolean'], false],
    ['maybe', ['boolean'], '✗ `maybe` is not yes or no'],
    ['Ødegård & Søn AS', [{ truncate: 3 }], 'Øde'],
    ['😀😀😀', [{ truncate: 2 }], '😀😀'],
    [['vegan', 'gluten-free'], [{ join: ';' }], 'vegan;gluten-free'],
    [['vegan', 'gluten-free'], ['upper'], 'VEGAN, GLUTEN-FREE'],
  ])('%j through %j → %j', (input, transforms, wanted) => {
    expect(valueOf(run(input, transforms))).toEqual(wanted);
  });
});

describe('map', () => {
  const values = { catering_inquiry: 'Catering', Wedding: 'Weddings' };
  it('maps listed values, ignoring case and surrounding spaces', () => {
    expect(valueOf(run('catering_inquiry', [{ map: { values, strict: false } }]))).toBe('Catering');
    expect(valueOf(run(' wedding ', [{ map: { values, strict: false } }]))).toBe('Weddings');
  });
  it('passes unlisted values through when not strict', () => {
    expect(valueOf(run('birthday', [{ map: { values, strict: false } }]))).toBe('birthday');
  });
  it('writes the default for unlisted values when strict', () => {
    expect(valueOf(run('birthday', [{ map: { values, strict: true, default: 'Other' } }]))).toBe('Other');
  });
  it('maps to numbers and booleans too', () => {
    expect(valueOf(run('yes', [{ map: { values: { yes: true, no: false }, strict: true, default: false } }]))).toBe(true);
  });
});

describe('default', () => {
  it('fills in only when asked to and only when there is no value', () => {
    const missing: Step = { ok: false, reason: 'extracted_data.x is missing' };
    expect(runTransforms(missing, [{ default: 'Unknown' }, 'upper'], hubspot, true)).toEqual({ ok: true, value: 'UNKNOWN' });
    expect(runTransforms(missing, [{ default: 'Unknown' }], hubspot, false)).toEqual(missing);
    expect(valueOf(run('Jane', [{ default: 'Unknown' }]))).toBe('Jane');
  });
  it('fills in after a transform found no usable value', () => {
    const step = runTransforms({ ok: true, value: 'next Saturday' }, ['date', { default: '2026-12-31' }], salesforce, true);
    expect(step).toEqual({ ok: true, value: '2026-12-31' });
  });
});
