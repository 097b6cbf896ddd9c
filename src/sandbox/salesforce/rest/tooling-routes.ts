/**
 * The one Tooling API resource the connector uses: `POST /tooling/sobjects/CustomField`, which
 * creates a custom field on an object of this org (its describe shows it at once, with the
 * connector's user given access). Answers as Salesforce does: 201 `{id, success, errors}`; a name
 * taken → 400 DUPLICATE_DEVELOPER_NAME; a definition it cannot read → 400 with what is wrong.
 */
import { z } from 'zod';
import { field, picklist, type FieldDefinition } from '../schema/field-definition.ts';
import { SalesforceApiError } from './salesforce-error.ts';
import { json, type RestContext, type RestRoute } from './rest-types.ts';

const CUSTOM_FIELD_KEY_PREFIX = '00N';

const CustomFieldBody = z.looseObject({
  FullName: z.string().regex(/^[A-Za-z][A-Za-z0-9_]*\.[A-Za-z][A-Za-z0-9_]*__c$/, {
    error: 'FullName must be Object.Field__c (a custom field name ends with __c)',
  }),
  Metadata: z.looseObject({
    label: z.string().min(1, { error: 'Metadata.label is required' }),
    type: z.string(),
    length: z.number().int().positive().optional(),
    precision: z.number().int().positive().optional(),
    scale: z.number().int().min(0).optional(),
    externalId: z.boolean().optional(),
    unique: z.boolean().optional(),
    valueSet: z.looseObject({
      restricted: z.boolean().optional(),
      valueSetDefinition: z.looseObject({ value: z.array(z.looseObject({ fullName: z.string(), isActive: z.boolean().optional() })) }),
    }).optional(),
  }),
});
type CustomFieldBody = z.infer<typeof CustomFieldBody>;

const invalid = (message: string) => SalesforceApiError.of(400, 'FIELD_INTEGRITY_EXCEPTION', message);

/** Metadata API field types → what describe reports for them. */
function definitionOf(name: string, metadata: CustomFieldBody['Metadata']): FieldDefinition {
  const { label } = metadata;
  const flags = { externalId: metadata.externalId ?? false, unique: metadata.unique ?? false, idLookup: metadata.externalId ?? false };
  switch (metadata.type) {
    case 'Text':
      if (!metadata.length || metadata.length > 255) throw invalid('Metadata.length: a Text field needs a length from 1 to 255');
      return field(name, label, 'string', { length: metadata.length, ...flags });
    case 'TextArea':
      return field(name, label, 'textarea', { length: 255 });
    case 'LongTextArea':
      if (!metadata.length) throw invalid('Metadata.length: a LongTextArea field needs a length');
      return field(name, label, 'textarea', { length: metadata.length });
    case 'Number':
      if (!metadata.precision) throw invalid('Metadata.precision: a Number field needs a precision');
      return field(name, label, 'double', { precision: metadata.precision, scale: metadata.scale ?? 0, ...flags });
    case 'Url':
      return field(name, label, 'url', { length: 255 });
    case 'Email':
      return field(name, label, 'email', { length: 80, ...flags });
    case 'Checkbox':
      return field(name, label, 'boolean', { nillable: false, defaultedOnCreate: true, defaultValue: false });
    case 'Date':
      return field(name, label, 'date');
    case 'DateTime':
      return field(name, label, 'datetime');
    case 'Picklist': {
      const values = metadata.valueSet?.valueSetDefinition.value ?? [];
      if (values.length === 0) throw invalid('Metadata.valueSet: a Picklist field needs at least one value');
      const definition = picklist(name, label, values.map((v) => v.fullName), { restrictedPicklist: metadata.valueSet?.restricted ?? false });
      // `isActive: false`: a value kept for old records that users (and the API, when restricted) can no longer pick.
      return { ...definition, picklistValues: definition.picklistValues.map((p, i) => ({ ...p, active: values[i]?.isActive ?? true })) };
    }
    default:
      throw invalid(`Metadata.type: the sandbox cannot create fields of type ${metadata.type} (Text, TextArea, LongTextArea, Number, Url, Email, Checkbox, Date, DateTime, Picklist)`);
  }
}

function createCustomField(ctx: RestContext, body: unknown) {
  const parsed = CustomFieldBody.safeParse(body);
  if (!parsed.success) throw SalesforceApiError.of(400, 'INVALID_INPUT', parsed.error.issues.map((i) => i.message).join('; '));
  const [objectName, fieldName] = parsed.data.FullName.split('.') as [string, string];
  const schema = ctx.org.schema.sobject(objectName);
  if (!schema) throw SalesforceApiError.of(400, 'INVALID_INPUT', `Cannot find entity: ${objectName}`);
  if (schema.field(fieldName)) {
    throw SalesforceApiError.of(400, 'DUPLICATE_DEVELOPER_NAME', `There's already a field named ${fieldName} on ${schema.name}.`);
  }
  schema.addField(definitionOf(fieldName, parsed.data.Metadata));
  return json(201, { id: ctx.org.ids.next(CUSTOM_FIELD_KEY_PREFIX), success: true, errors: [], warnings: [], infos: [] });
}

export const toolingRoutes: RestRoute[] = [
  {
    pattern: /^\/tooling\/sobjects\/CustomField\/?$/,
    methods: { POST: (ctx, request) => createCustomField(ctx, request.body) },
  },
];
