/**
 * Writes the dialogue of one conversation as steps (greeting, opener, questions, qualification,
 * contact details, closing), each remembering the fields it reveals, so an abandoned or failed
 * conversation can be cut after any step and still be extracted consistently.
 */
import type { JsonValue, Outcome } from '../../../platform/schemas.ts';
import { agent, fill, tool, user, type Details, type Intent, type ScriptLine } from '../catalog/script.ts';
import type { Widget } from '../catalog/widgets.ts';
import type { SeededRandom } from '../random.ts';
import type { Disclosure } from './visitors.ts';

export interface Step {
  readonly lines: ScriptLine[];
  /** Extracted-data fields this step reveals. */
  readonly fields: Record<string, JsonValue>;
  /** A question the visitor asked here, for the notes. */
  readonly topic?: string;
  /** The agent could not answer the visitor here. */
  readonly unanswered?: boolean;
  /** The business's qualification outcome, once this step has happened. */
  readonly qualification?: Pick<Details, 'qualified' | 'qualifiedReasoning'>;
}

export interface Dialogue {
  readonly intent: Intent;
  readonly steps: Step[];
}

export interface DialogueInput {
  readonly rng: SeededRandom;
  readonly widget: Widget;
  readonly disclosure: Disclosure;
  readonly endedAt: Date;
  /** Paste a long document (the > 70,000-character conversations). */
  readonly pastesDocument: boolean;
}

const GREETINGS = [
  "Hi! I'm {agent} from {business}. How can I help today?",
  'Hello 👋 This is {agent}, the {business} assistant. What can I do for you?',
  "Hey there! I'm {agent}. Ask me anything about {business}.",
];
const FAQ_ROUNDS = { 0: 25, 1: 30, 2: 25, 3: 12, 5: 5, 8: 3 } as const;
const PASTE_TARGET_CHARS = 26_000;

export function writeDialogue(input: DialogueInput): Dialogue {
  const { rng, widget, disclosure } = input;
  const { vertical } = widget;
  const intent = rng.pick(vertical.intents);
  const steps: Step[] = [
    { lines: [agent(fill(rng.pick(GREETINGS), { agent: widget.agentName, business: widget.business }))], fields: {} },
    {
      lines: [user(rng.pick(intent.openers)), ...(intent.tool ? [{ tool: intent.tool }] : []), agent(intent.reply)],
      fields: { intent: intent.intent },
    },
  ];
  if (input.pastesDocument) steps.push(...pastedDocumentSteps(input));
  const rounds = Number(rng.weighted(FAQ_ROUNDS));
  for (const faq of rng.sample(vertical.faqs, rounds)) {
    steps.push({
      lines: [user(rng.pick(faq.questions)), ...(faq.tool ? [{ tool: faq.tool }] : []), agent(faq.answer)],
      fields: {},
      topic: faq.topic,
      ...(faq.answered === false ? { unanswered: true } : {}),
    });
  }
  const details = vertical.details({ rng, endedAt: input.endedAt, company: disclosure.company });
  steps.push({ lines: details.lines, fields: details.fields, qualification: details });
  steps.push(contactStep(rng, disclosure));
  steps.push(closingStep(rng, widget));
  return { intent, steps };
}

function contactStep(rng: SeededRandom, d: Disclosure): Step {
  const ask = agent(rng.pick([
    'Could I get your name and the best email or phone number so the team can follow up?',
    "What's your name, and how should we reach you — email or phone?",
  ]));
  const name = d.name ?? '';
  const named = (withName: string, without: string) => (d.name ? withName : without);
  let reply: string;
  if (d.email && d.phone) reply = named(`Sure — I'm ${name}. Email ${d.email} or call ${d.phone}`, `${d.email} / ${d.phone}`);
  else if (d.email) reply = named(rng.pick([`${name} — ${d.email}`, `I'm ${name}, email is ${d.email}`]), `it's ${d.email}`);
  else if (d.phone) reply = named(`${name}, you can reach me at ${d.phone}`, `Just call me: ${d.phone}`);
  else reply = named(`${name}. I'd rather not share contact details, I'll reach out myself.`, "I'd rather not share that right now");
  const ack = d.email || d.phone
    ? agent(d.name ? `Thanks, ${name}! Someone will be in touch within one business day.` : 'Thanks! Someone will be in touch within one business day.')
    : agent('No problem at all — you can reach us any time through this chat or our contact page.');
  return {
    lines: [ask, user(reply), ack],
    fields: {
      ...(d.name ? { name: d.name } : {}),
      ...(d.email ? { email: d.email } : {}),
      ...(d.phone ? { phone: d.phone } : {}),
    },
  };
}

function closingStep(rng: SeededRandom, widget: Widget): Step {
  const lines = [agent(`Is there anything else I can help you with?`)];
  if (rng.chance(0.7)) lines.push(user(rng.pick(widget.vertical.closings)), agent(`You're welcome! Have a great day from all of us at ${widget.business}.`));
  return { lines, fields: {} };
}

/** The visitor pastes a long document in parts; the agent acknowledges each part. */
function pastedDocumentSteps({ rng, widget }: DialogueInput): Step[] {
  const doc = widget.vertical.pastedDocument;
  const parts = 3;
  const statuses = ['confirmed', 'open question', 'to be decided', 'required', 'nice to have'];
  const steps: Step[] = [];
  let item = 0;
  for (let part = 1; part <= parts; part++) {
    const body: string[] = [`${doc.heading} (part ${part}/${parts})`, ''];
    let length = 0;
    while (length < PASTE_TARGET_CHARS) {
      const line = `${part}.${++item} ${doc.lines[item % doc.lines.length]} [${rng.pick(statuses)}]`;
      body.push(line);
      length += line.length + 1;
    }
    const text = (part === 1 ? `${doc.intro}\n\n` : '') + body.join('\n');
    steps.push({
      lines: [
        user(text),
        agent(`Thanks — I've gone through part ${part}. Items ${part}.${item - body.length + 3} to ${part}.${item} are all things we handle; I've flagged the open questions for the team.`),
      ],
      fields: {},
      topic: `pasted ${doc.heading.toLowerCase()} (part ${part})`,
    });
  }
  return steps;
}

/**
 * How an unfinished conversation stops: an abandoned one right after the agent asked something
 * (the visitor left), a failed one on a new visitor question that gets a tool error or no answer
 * at all. At least greeting and opener stay.
 */
export function cutShort(rng: SeededRandom, widget: Widget, steps: Step[], outcome: Exclude<Outcome, 'completed'>): Step[] {
  const keep = rng.int(2, Math.max(2, steps.length - 2));
  const kept = steps.slice(0, keep);
  if (outcome === 'abandoned') {
    const question = steps[keep]?.lines[0];
    if (question && 'role' in question && question.role === 'agent') kept.push({ lines: [question], fields: {} });
    return kept;
  }
  const asked = new Set(kept.map((s) => s.topic));
  const fresh = widget.vertical.faqs.filter((f) => !asked.has(f.topic));
  const faq = rng.pick(fresh.length > 0 ? fresh : widget.vertical.faqs);
  const question = user(rng.pick(faq.questions));
  const failure = rng.weighted({ tool_error: 60, silent: 40 });
  kept.push({
    lines: failure === 'tool_error'
      ? [
          question,
          tool('search_site', { query: faq.topic }, { error: 'upstream_timeout', message: 'Knowledge base did not respond within 10s' }),
          agent("Sorry — I'm having trouble looking that up right now. Please try again in a moment or call us directly."),
        ]
      : [question],
    fields: {},
    topic: faq.topic,
    unanswered: true,
  });
  return kept;
}
