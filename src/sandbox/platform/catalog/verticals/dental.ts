/** Bright Smile Dental: new patients, emergencies, insurance questions; qualifies by booking. */
import { agent, daysAfter, fill, isoDate, spokenDate, tool, user, type Vertical } from '../script.ts';

const INSURANCE = ['Delta Dental PPO', 'Cigna', 'MetLife', 'Aetna', 'Guardian'] as const;
const SLOTS = ['08:30', '09:15', '10:00', '11:45', '14:00', '15:30', '16:15'] as const;

/** The clinic is closed at weekends: a Saturday or Sunday moves to Monday. */
const weekday = (date: Date): Date => daysAfter(date, date.getUTCDay() === 6 ? 2 : date.getUTCDay() === 0 ? 1 : 0);

export const dental: Vertical = {
  qualifyingCriterion: 'booked_appointment',
  b2b: false,
  intents: [
    {
      intent: 'new_patient_appointment',
      label: 'New patient appointment',
      openers: ['Are you accepting new patients?', 'hi i just moved here and need a dentist', "I'd like to book a first visit"],
      reply: 'We are! A new-patient visit includes an exam, X-rays and a cleaning, and takes about an hour.',
    },
    {
      intent: 'emergency_toothache',
      label: 'Dental emergency',
      openers: ['I have a really bad toothache, can someone see me today??', 'Chipped a tooth this morning, do you take emergencies?'],
      reply: "I'm sorry you're in pain. We keep same-day emergency slots every weekday — let me check today's openings.",
      tool: { name: 'check_schedule', args: { type: 'emergency', day: 'today' }, result: { slots: ['15:30', '16:15'] } },
    },
    {
      intent: 'insurance_question',
      label: 'Insurance question',
      openers: ['Do you take Delta Dental?', 'Which insurance plans do you accept?'],
      reply: "We're in network with Delta Dental PPO, Cigna, MetLife and Aetna, and we file claims for most other PPO plans.",
      tool: { name: 'lookup_insurance', args: { provider: 'Delta Dental' }, result: { in_network: true, plans: ['PPO'] } },
    },
    {
      intent: 'cosmetic_consultation',
      label: 'Whitening / Invisalign consultation',
      openers: ['How much is teeth whitening?', 'do you do invisalign?'],
      reply: 'In-office whitening is $450 and take-home trays are $275. Invisalign starts with a free consultation.',
    },
  ],
  faqs: [
    { topic: 'opening hours', questions: ['What are your hours?', 'Are you open on Saturdays?'], answer: 'Monday to Thursday 8am–6pm, Friday 8am–2pm, and two Saturdays a month.' },
    { topic: 'children', questions: ['Do you see kids?', 'My son is 4, can he come too?'], answer: 'Yes, we see patients from age 3, and Dr. Patel is great with nervous little ones.' },
    { topic: 'parking', questions: ['Is there parking?'], answer: 'There is free parking behind the building, entrance on Elm Street.' },
    { topic: 'payment plans', questions: ['Do you offer payment plans?', 'Can I pay in installments?'], answer: 'Yes, through CareCredit, with 0% financing for 12 months on treatment over $500.' },
    { topic: 'sedation', questions: ["I'm really nervous at the dentist, can I be sedated?"], answer: 'We offer nitrous oxide for anxious patients, and oral sedation for longer procedures.' },
    { topic: 'root canals', questions: ['Do you do root canals in house?'], answer: 'Some root canals are done here and complex ones are referred — our coordinator will confirm for your case.', answered: false },
  ],
  details: ({ rng, endedAt }) => {
    const date = weekday(daysAfter(endedAt, rng.int(1, 21)));
    const slot = rng.pick(SLOTS);
    const booked = rng.chance(0.6);
    const insurance = rng.chance(0.75) ? rng.pick(INSURANCE) : null;
    const values = { date: spokenDate(date), slot };
    const lines = [
      agent('Would you like me to book you in? What day works best?'),
      user(rng.pick(['Any morning next week', 'As soon as possible please', fill('{date} would be great', values)])),
      tool('check_schedule', { date: isoDate(date) }, { slots: rng.sample(SLOTS, 3) }),
      agent(fill('I have {slot} on {date}. Shall I hold it for you?', values)),
      user(booked ? rng.pick(['Yes please!', 'yes that works', 'Perfect, book it']) : rng.pick(['Let me check my calendar and get back to you', 'Hmm, maybe later'])),
      agent('Which dental insurance do you have, if any?'),
      user(insurance ?? rng.pick(['No insurance, paying myself', "I don't have insurance right now"])),
    ];
    return {
      lines,
      fields: { preferred_date: isoDate(date), insurance_provider: insurance, appointment_booked: booked },
      qualified: booked,
      qualifiedReasoning: booked ? `Visitor accepted the ${slot} slot on ${isoDate(date)}.` : 'Visitor did not confirm an appointment slot.',
    };
  },
  closings: ['Thank you!', 'thanks, see you then', 'Great, thanks for your help 😊'],
  pastedDocument: {
    intro: 'My previous dentist sent my history, pasting it here so you have it:',
    heading: 'PATIENT TREATMENT HISTORY',
    lines: [
      'Routine examination and prophylaxis; moderate plaque in the lower anterior region, patient advised on flossing technique.',
      'Bitewing radiographs taken; incipient caries noted on the distal surface of the upper left first molar, to monitor.',
      'Composite restoration placed on the lower right second premolar under local anaesthetic; patient tolerated well.',
      'Patient reported sensitivity to cold on the upper right quadrant; desensitising toothpaste recommended.',
      'Periodontal charting: pocket depths 2–3 mm throughout, slight bleeding on probing around the lower molars.',
      'Night guard fabricated for bruxism; patient to return if jaw pain persists after four weeks of use.',
      'Crown preparation on the upper left first molar; temporary crown cemented, permanent crown ordered from the lab.',
      'Permanent crown cemented; occlusion checked and adjusted, patient satisfied with shade and fit.',
      'Allergies reviewed: penicillin (rash). Medications: none reported. Medical history otherwise unremarkable.',
      'Recall interval set to six months; patient prefers morning appointments and reminders by text message.',
    ],
  },
};
