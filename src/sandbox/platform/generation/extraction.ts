/**
 * What the platform's extraction model finds in a conversation: the fields revealed in its steps
 * and the acceptance criteria. Completed conversations always get both; abandoned and failed ones
 * get partial or no extraction, as the seed page allows.
 */
import type { CriteriaResults, ExtractedData, Outcome } from '../../../platform/schemas.ts';
import type { Widget } from '../catalog/widgets.ts';
import type { SeededRandom } from '../random.ts';
import type { Dialogue, Step } from './dialogue.ts';

export interface Extraction {
  readonly extracted_data: ExtractedData;
  readonly criteria_results: CriteriaResults;
}

const NO_EXTRACTION: Extraction = { extracted_data: {}, criteria_results: {} };

export function extract(rng: SeededRandom, widget: Widget, dialogue: Dialogue, steps: readonly Step[], outcome: Outcome): Extraction {
  if (outcome !== 'completed') {
    const extracts = rng.chance(outcome === 'abandoned' ? 0.55 : 0.3);
    if (!extracts) return NO_EXTRACTION;
  }
  const fields: ExtractedData = Object.assign({}, ...steps.map((s) => s.fields));
  const topics = steps.flatMap((s) => (s.topic ? [s.topic] : []));
  const ordered: ExtractedData = {
    ...pick(fields, ['name', 'email', 'phone', 'company', 'intent']),
    ...fields,
    notes: notesFor(dialogue, topics, outcome),
  };
  return { extracted_data: ordered, criteria_results: criteriaFor(widget, steps, fields, outcome) };
}

function pick(fields: ExtractedData, keys: readonly string[]): ExtractedData {
  return Object.fromEntries(keys.flatMap((k) => (fields[k] === undefined ? [] : [[k, fields[k]]])));
}

function notesFor(dialogue: Dialogue, topics: readonly string[], outcome: Outcome): string {
  const asked = topics.length > 0 ? ` Also asked about ${topics.join(', ')}.` : '';
  const ending = outcome === 'abandoned' ? ' Visitor left before the conversation finished.' : outcome === 'error' ? ' Conversation ended with an error.' : '';
  return `${dialogue.intent.label}.${asked}${ending}`;
}

function criteriaFor(widget: Widget, steps: readonly Step[], fields: ExtractedData, outcome: Outcome): CriteriaResults {
  const hasEmail = typeof fields.email === 'string';
  const hasPhone = typeof fields.phone === 'string';
  const unanswered = steps.filter((s) => s.unanswered).map((s) => s.topic);
  const results: CriteriaResults = {
    collected_contact_info: {
      passed: hasEmail || hasPhone,
      reasoning: hasEmail || hasPhone
        ? `Visitor shared ${[hasEmail && 'an email address', hasPhone && 'a phone number'].filter(Boolean).join(' and ')}.`
        : 'Visitor did not share an email address or phone number.',
    },
    answered_visitor_question: {
      passed: unanswered.length === 0,
      reasoning: outcome === 'error'
        ? `The conversation failed before the question about ${unanswered.at(-1) ?? 'the request'} was answered.`
        : unanswered.length > 0
          ? `Agent could not answer the question about ${unanswered.join(', ')} and deferred to the team.`
          : "Agent answered each of the visitor's questions.",
    },
  };
  // Only a conversation that reached the business's qualification questions is judged on them.
  const qualification = steps.find((s) => s.qualification)?.qualification;
  if (qualification) {
    results[widget.vertical.qualifyingCriterion] = { passed: qualification.qualified, reasoning: qualification.qualifiedReasoning };
  }
  return results;
}
