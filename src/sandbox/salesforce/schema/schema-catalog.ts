/** Case-insensitive lookup of objects and fields, as Salesforce resolves API names. */
import type { FieldDefinition, SObjectDefinition } from './field-definition.ts';
import { REFERENCE_ALIASES, STANDARD_SOBJECTS } from './sobject-catalog.ts';

export class SObjectSchema {
  #definition: SObjectDefinition;
  readonly #fields: Map<string, FieldDefinition>;

  constructor(definition: SObjectDefinition) {
    this.#definition = definition;
    this.#fields = new Map(definition.fields.map((f) => [f.name.toLowerCase(), f]));
  }

  get definition(): SObjectDefinition {
    return this.#definition;
  }

  /** A field created in this org (Tooling API); the shared standard definitions stay untouched. */
  addField(field: FieldDefinition): void {
    this.#definition = { ...this.#definition, fields: [...this.#definition.fields, field] };
    this.#fields.set(field.name.toLowerCase(), field);
  }

  /** A field this org lacks (an org set up before the connector's fields existed). */
  removeField(name: string): boolean {
    const field = this.field(name);
    if (!field) return false;
    this.#definition = { ...this.#definition, fields: this.#definition.fields.filter((f) => f !== field) };
    this.#fields.delete(name.toLowerCase());
    return true;
  }

  get name(): string {
    return this.definition.name;
  }

  get keyPrefix(): string {
    return this.definition.keyPrefix;
  }

  get fields(): readonly FieldDefinition[] {
    return this.definition.fields;
  }

  field(name: string): FieldDefinition | undefined {
    return this.#fields.get(name.toLowerCase());
  }
}

export class SchemaCatalog {
  readonly #byName: Map<string, SObjectSchema>;
  readonly #byKeyPrefix: Map<string, SObjectSchema>;

  constructor(definitions: readonly SObjectDefinition[] = STANDARD_SOBJECTS) {
    const schemas = definitions.map((d) => new SObjectSchema(d));
    this.#byName = new Map(schemas.map((s) => [s.name.toLowerCase(), s]));
    this.#byKeyPrefix = new Map(schemas.map((s) => [s.keyPrefix, s]));
  }

  sobject(name: string): SObjectSchema | undefined {
    return this.#byName.get(name.toLowerCase());
  }

  byKeyPrefix(prefix: string): SObjectSchema | undefined {
    return this.#byKeyPrefix.get(prefix);
  }

  all(): SObjectSchema[] {
    return [...this.#byName.values()];
  }

  /** The key prefixes a reference field pointing at `objectName` accepts (aliases resolved). */
  keyPrefixFor(objectName: string): string | undefined {
    if (objectName === 'User') return '005';
    return this.sobject(REFERENCE_ALIASES[objectName] ?? objectName)?.keyPrefix;
  }
}
