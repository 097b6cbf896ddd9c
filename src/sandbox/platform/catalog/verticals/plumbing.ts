/** Rapid Rooter Plumbing: emergencies and quotes; qualifies when the address is in the service area. */
import { agent, fill, tool, user, type Vertical } from '../script.ts';

const ZIP_CODES = ['94110', '94607', '94612', '94704', '94501', '95814', '94103'] as const;
/** Sacramento is outside the service area: some leads do not qualify. */
const SERVED = new Set(['94110', '94607', '94612', '94704', '94501', '94103']);

export const plumbing: Vertical = {
  qualifyingCriterion: 'qualified_lead',
  b2b: false,
  intents: [
    {
      intent: 'emergency_leak',
      label: 'Emergency leak',
      openers: ['Water is leaking from my ceiling!!', 'pipe burst under the sink help', 'Emergency - water everywhere in the basement'],
      reply: "That sounds urgent. First, turn off the main water valve if you can. We have 24/7 emergency technicians — let me check who's closest.",
    },
    {
      intent: 'water_heater',
      label: 'Water heater repair/replacement',
      openers: ["My water heater isn't heating", 'How much to replace a 50 gallon water heater?'],
      reply: 'We repair and replace tank and tankless heaters; a standard 50-gallon replacement is usually $1,400–$2,100 installed.',
    },
    {
      intent: 'drain_cleaning',
      label: 'Drain cleaning',
      openers: ["Kitchen sink is clogged and won't drain", 'Do you do sewer line camera inspections?'],
      reply: 'Yes — drain cleaning starts at $149, and camera inspections are $225.',
    },
    {
      intent: 'quote_request',
      label: 'Quote request',
      openers: ['Can I get a quote for repiping a bathroom?', 'Need a quote for installing a new toilet'],
      reply: 'Sure, quotes are free. A technician usually needs to see the job for an exact price.',
    },
  ],
  faqs: [
    { topic: 'licensing', questions: ['Are you licensed and insured?'], answer: 'Yes, fully licensed (CA #987654) and insured, and our work is guaranteed for one year.' },
    { topic: 'estimates', questions: ['Do you charge for estimates?'], answer: 'Estimates are free during business hours; after-hours visits have an $89 call-out fee.' },
    { topic: 'response time', questions: ['How fast can someone come out?', 'how soon can you get here'], answer: 'For emergencies, usually within 90 minutes. Regular jobs are typically next-day.' },
    { topic: 'weekends', questions: ['Do you work weekends?'], answer: 'Yes, 7 days a week, with emergency service around the clock.' },
    { topic: 'appliances', questions: ['Can you also fix my dishwasher?'], answer: "Appliance repair isn't something I can confirm — I'll ask the office to call you about it.", answered: false },
  ],
  details: ({ rng }) => {
    const zip = rng.pick(ZIP_CODES);
    const served = SERVED.has(zip);
    const urgency = rng.pick(['today', 'this week', 'flexible'] as const);
    const lines = [
      agent("What's the ZIP code of the property?"),
      user(rng.pick([zip, fill("It's {zip}", { zip })])),
      tool('check_service_area', { zip }, served ? { served: true, eta_minutes: rng.int(45, 120) } : { served: false }),
      agent(served
        ? fill('Great, we cover {zip}. How urgent is it — today, or can it wait a few days?', { zip })
        : fill("I'm sorry, {zip} is just outside our service area, but I can pass your details to a partner. How urgent is it?", { zip })),
      user(urgency === 'today' ? 'Today please!' : urgency === 'this week' ? 'This week is fine' : 'No rush really'),
    ];
    return {
      lines,
      fields: { zip_code: zip, urgency },
      qualified: served,
      qualifiedReasoning: served ? `Property in ${zip} is inside the service area.` : `Property in ${zip} is outside the service area.`,
    };
  },
  closings: ['Thanks!', 'ok thank you', 'Appreciate it, please hurry'],
  pastedDocument: {
    intro: "Here's the home inspection report for the house, the plumbing section:",
    heading: 'HOME INSPECTION REPORT — PLUMBING',
    lines: [
      'Main water shut-off located in the front yard meter box; valve operable but stiff, recommend replacement.',
      'Supply piping is a mix of copper and galvanised steel; galvanised sections show corrosion and reduced flow.',
      'Water pressure measured at 92 psi at the hose bib, above the recommended maximum; pressure regulator advised.',
      'Water heater: 50-gallon gas tank, manufactured 2011, no drip pan, seismic strapping incomplete.',
      'Temperature and pressure relief valve discharge line terminates too high above the floor; correct per code.',
      'Kitchen sink drain slow; evidence of past leaks in the cabinet base, currently dry at time of inspection.',
      'Upstairs bathroom toilet rocks on its flange; wax seal likely compromised, staining visible on the ceiling below.',
      'Sewer lateral not inspected; given the age of the home a camera inspection is strongly recommended.',
      'Laundry standpipe lacks a proper trap; washing machine hoses are rubber and should be replaced with braided lines.',
      'Exterior hose bibs lack backflow prevention devices; install vacuum breakers on all exterior faucets.',
    ],
  },
};
