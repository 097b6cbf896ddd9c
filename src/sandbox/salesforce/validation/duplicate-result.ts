/** The DUPLICATES_DETECTED error a duplicate rule raises, with the `duplicateResult` Salesforce attaches. */
import { recordError, type RecordError } from '../rest/salesforce-error.ts';

export const DEFAULT_DUPLICATE_MESSAGE = "You're creating a duplicate record. We recommend you use an existing record instead.";

export function duplicatesDetected(message: string, sobject: string, matches: { id: string; url: string }[], ruleName = `Standard_${sobject}_Duplicate_Rule`): RecordError {
  return recordError('DUPLICATES_DETECTED', message, [], {
    duplicateResult: {
      allowSave: false,
      duplicateRule: ruleName,
      duplicateRuleEntityType: sobject,
      errorMessage: message,
      matchResults: [{
        entityType: sobject,
        errorMessage: null,
        matchEngine: 'ExactMatchEngine',
        matchRecords: matches.map((m) => ({
          additionalInformation: [],
          fieldDiffs: [],
          matchConfidence: 100,
          record: { attributes: { type: sobject, url: m.url }, Id: m.id },
        })),
        rule: `Standard_${sobject}_Match_Rule_v1_0`,
        size: matches.length,
        success: true,
      }],
    },
  });
}
