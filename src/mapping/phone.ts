/**
 * Phone numbers to E.164 (+14155550123), best effort and without a phone-number database:
 * - "+44 20 7946 0958", "0044 20 7946 0958" → +442079460958 (international forms are trusted);
 * - national forms use a default country (the transform's `country`, else the visitor's IP
 *   country) from the small calling-code table below, dropping the trunk 0 ("020 7946 0958" in GB);
 * - North American numbers must have 10 digits, the first of area code and exchange 2–9;
 * - anything else with 7–15 digits is kept as typed (whitespace tidied): better a number a person
 *   can read than none. Fewer than 7 or more than 15 digits is not a phone number.
 * Limits: no per-country length rules beyond NANP, no extension handling ("x123" is dropped).
 */
export const CALLING_CODES: Record<string, string> = {
  US: '1', CA: '1', GB: '44', IE: '353', FR: '33', DE: '49', ES: '34', IT: '39', PT: '351', NL: '31',
  BE: '32', LU: '352', CH: '41', AT: '43', DK: '45', SE: '46', NO: '47', FI: '358', PL: '48', CZ: '420',
  AU: '61', NZ: '64', IN: '91', SG: '65', JP: '81', KR: '82', CN: '86', HK: '852', BR: '55', MX: '52',
  AR: '54', ZA: '27', AE: '971', IL: '972',
};

/** Countries whose national numbers keep a leading 0 (it is part of the number, not a trunk prefix). */
const KEEPS_LEADING_ZERO = new Set(['IT']);

export type PhoneResult = { value: string } | { error: string };

export function normalisePhone(input: string, defaultCountry: string | undefined): PhoneResult {
  const typed = input.replace(/\s+/g, ' ').trim();
  const withoutExtension = typed.replace(/\s*(?:x|ext\.?|extension)\s*\d+$/i, '');
  const digits = withoutExtension.replace(/\D/g, '');
  if (digits.length < 7 || digits.length > 15) return { error: `\`${input}\` is not a phone number` };

  if (/^\s*\+/.test(withoutExtension)) return { value: `+${digits}` };
  if (digits.startsWith('00')) return { value: `+${digits.slice(2)}` };

  const country = defaultCountry?.toUpperCase();
  const code = country ? CALLING_CODES[country] : undefined;
  if (code === '1') {
    const national = digits.length === 11 && digits.startsWith('1') ? digits.slice(1) : digits;
    if (/^[2-9]\d{2}[2-9]\d{6}$/.test(national)) return { value: `+1${national}` };
    return { value: typed };
  }
  if (code !== undefined && country !== undefined) {
    const national = KEEPS_LEADING_ZERO.has(country) ? digits : digits.replace(/^0/, '');
    return { value: `+${code}${national}` };
  }
  return { value: typed };
}
