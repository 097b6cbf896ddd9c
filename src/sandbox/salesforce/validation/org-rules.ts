/**
 * Rules an admin would configure in Setup, configurable per sandbox org: validation rules
 * (FIELD_CUSTOM_VALIDATION_EXCEPTION when a field's value matches a condition) and duplicate
 * rules (DUPLICATES_DETECTED when another record has the same values in the matched fields).
 * Conditions are a closed set of operators rather than formulas or regular expressions.
 */
import { z } from 'zod';

export const ValidationRule = z.object({
  kind: z.literal('validation'),
  sobject: z.string().min(1),
  field: z.string().min(1),
  /** Comparisons ignore case, as Salesforce text comparisons in validation formulas usually do. */
  operator: z.enum(['equals', 'contains', 'startsWith', 'endsWith', 'isBlank']),
  value: z.string().default(''),
  message: z.string().min(1),
  /** Show the error on the field (`fields: [field]`) rather than at the top of the page (`fields: []`). */
  errorOnField: z.boolean().default(false),
});

export const DuplicateRule = z.object({
  kind: z.literal('duplicate'),
  sobject: z.string().min(1),
  /** A record is a duplicate when every one of these fields equals (ignoring case) an existing record's. */
  matchFields: z.array(z.string().min(1)).min(1),
  name: z.string().min(1).optional(),
  message: z.string().min(1).optional(),
});

export const OrgRule = z.discriminatedUnion('kind', [ValidationRule, DuplicateRule]);
export type OrgRule = z.input<typeof OrgRule>;
export type ParsedOrgRule = z.output<typeof OrgRule>;
export type ParsedValidationRule = z.output<typeof ValidationRule>;

export function ruleMatches(rule: ParsedValidationRule, value: unknown): boolean {
  const text = value === null || value === undefined ? '' : String(value).toLowerCase();
  const expected = rule.value.toLowerCase();
  switch (rule.operator) {
    case 'equals': return text === expected;
    case 'contains': return text.includes(expected);
    case 'startsWith': return text.startsWith(expected);
    case 'endsWith': return text !== '' && text.endsWith(expected);
    case 'isBlank': return text.trim() === '';
  }
}

/** A rule that names an object or field the org does not have. */
export class InvalidRuleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidRuleError';
  }
}
