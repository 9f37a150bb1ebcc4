import { validate, type ValidationError } from 'class-validator';
import { badInput, type FieldError } from '../errors';

/**
 * type-graphql's validateFn: runs class-validator on every input object and argument and reports failures in the
 * shared BAD_USER_INPUT shape (`fields: [{ field, message }]`) that REST and the dashboard show next to a field.
 */
export async function validateInput(value: unknown): Promise<void> {
  if (value === null || typeof value !== 'object') return;
  const items = Array.isArray(value) ? value : [value];
  const fields: FieldError[] = [];
  for (const item of items) {
    if (item && typeof item === 'object' && item.constructor !== Object)
      collect(await validate(item, { forbidUnknownValues: false, validationError: { target: false, value: false } }), '', fields);
  }
  if (fields.length) throw badInput(fields);
}

/** Field paths like `steps[0].request.url`: list items by index, nested fields by name. */
function collect(errors: ValidationError[], parent: string, out: FieldError[]): void {
  for (const e of errors) {
    const field = /^\d+$/.test(e.property) ? `${parent}[${e.property}]` : parent ? `${parent}.${e.property}` : e.property;
    for (const message of Object.values(e.constraints ?? {})) out.push({ field, message });
    if (e.children?.length) collect(e.children, field, out);
  }
}
