/**
 * Who is behind a generated conversation and which contact details they reveal. A small pool of
 * returning visitors makes the same email show up in several conversations (sometimes typed with
 * different capitalisation), which is what email-keyed CRM upserts must cope with.
 */
import { COMPANIES, PERSON_NAMES, PERSONAL_EMAIL_DOMAINS, PHONE_NUMBERS, type Company } from '../catalog/people.ts';
import type { SeededRandom } from '../random.ts';

export interface VisitorIdentity {
  readonly name: string;
  readonly email: string;
  readonly phone: string;
  /** Used by B2B businesses; null for people visiting privately. */
  readonly company: Company | null;
  readonly returning: boolean;
}

/** What the visitor actually tells the agent in this conversation. */
export interface Disclosure {
  readonly name: string | null;
  readonly email: string | null;
  readonly phone: string | null;
  readonly company: Company | null;
}

const RETURNING_POOL_SIZE = 6;
const RETURNING_SHARE = 0.25;

export class VisitorPool {
  private readonly rng: SeededRandom;
  private readonly returning: VisitorIdentity[];

  constructor(rng: SeededRandom) {
    this.rng = rng;
    this.returning = rng.sample(PERSON_NAMES, RETURNING_POOL_SIZE).map((person) => ({
      ...this.identityFor(person.name, person.emailLocal),
      returning: true,
    }));
  }

  /** The visitor of the next conversation: a returning one about a quarter of the time. */
  next(): VisitorIdentity {
    if (this.rng.chance(RETURNING_SHARE)) return this.rng.pick(this.returning);
    const person = this.rng.pick(PERSON_NAMES);
    return { ...this.identityFor(person.name, person.emailLocal), returning: false };
  }

  /** Returning visitors always give their email (that is how they are recognised); others vary. */
  disclose(visitor: VisitorIdentity, b2b: boolean): Disclosure {
    const kind = visitor.returning
      ? this.rng.weighted({ email_and_phone: 40, email: 60 })
      : this.rng.weighted({ email_and_phone: 30, email: 35, phone_only: 15, none: 20 });
    const givesName = kind === 'none' ? this.rng.chance(0.5) : this.rng.chance(0.9);
    const email = kind === 'email' || kind === 'email_and_phone' ? this.typed(visitor.email, visitor.returning) : null;
    return {
      name: givesName ? visitor.name : null,
      email,
      phone: kind === 'phone_only' || kind === 'email_and_phone' ? visitor.phone : null,
      company: b2b ? visitor.company : null,
    };
  }

  private identityFor(name: string, emailLocal: string): Omit<VisitorIdentity, 'returning'> {
    const company = this.rng.chance(0.85) ? this.rng.pick(COMPANIES) : null;
    const workEmail = company !== null && this.rng.chance(0.6);
    return {
      name,
      email: `${emailLocal}@${workEmail ? company.domain : this.rng.pick(PERSONAL_EMAIL_DOMAINS)}`,
      phone: this.rng.pick(PHONE_NUMBERS),
      company,
    };
  }

  /** Returning visitors sometimes capitalise their address differently (`Emily.Carter@Example.com`). */
  private typed(email: string, returning: boolean): string {
    if (!returning || !this.rng.chance(0.15)) return email;
    return email.replace(/(^|[.@])([a-z])/g, (_, sep: string, ch: string) => sep + ch.toUpperCase());
  }
}
