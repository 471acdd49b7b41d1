import { type PipeTransform, Injectable, Param } from '@nestjs/common';
import { registerDecorator, type ValidationOptions } from 'class-validator';
import { isBusinessDate, isUuid, normaliseId } from '../../shared/values.js';
import { RequestValidationError } from './validation.js';

export { isBusinessDate, isUuid };

function simple(name: string, test: (v: unknown) => boolean, message: string) {
  return (options?: ValidationOptions): PropertyDecorator =>
    (target: object, propertyName: string | symbol): void => {
      registerDecorator({
        name,
        target: target.constructor,
        propertyName: String(propertyName),
        options: { message: `$property ${message}`, ...options },
        validator: { validate: test },
      });
    };
}

export const IsBusinessDate = simple('isBusinessDate', isBusinessDate, 'must be a calendar date written YYYY-MM-DD (year 0001 or later)');
/** Text with something in it besides white space. */
export const IsNotBlank = simple('isNotBlank', (v) => typeof v === 'string' && v.trim().length > 0, 'must not be blank');
export const IsId = simple('isId', isUuid, 'must be a UUID');
export const IsKnowledgeTime = simple(
  'isKnowledgeTime',
  (v) => knowledgeTime(v) !== null,
  'must be a date (YYYY-MM-DD: by the end of that day, Vietnam time) or a timestamp with its time zone (2024-05-03T17:00:00Z)',
);

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * The instant a `knownAt` names: a timestamp with its zone, or a date meaning the end of that
 * day in Asia/Ho_Chi_Minh (UTC+7, no daylight saving); null when it names none.
 */
export function knowledgeTime(value: unknown): Date | null {
  if (typeof value !== 'string') return null;
  if (isBusinessDate(value)) return new Date(Date.parse(`${value}T23:59:59.999+07:00`));
  const text: string = value;
  if (!TIMESTAMP.test(text) || !isBusinessDate(text.slice(0, 10))) return null;
  const [hours, minutes, seconds] = text.slice(11, 19).split(':').map(Number);
  if (hours! > 23 || minutes! > 59 || (seconds !== undefined && !Number.isNaN(seconds) && seconds > 59)) return null;
  const zone = /([+-])(\d{2}):(\d{2})$/.exec(text);
  if (zone && (Number(zone[2]) > 14 || Number(zone[3]) > 59)) return null;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? null : new Date(ms);
}

/** Validates a UUID path parameter, naming it when malformed. */
@Injectable()
export class UuidParam implements PipeTransform<string, string> {
  constructor(private readonly name = 'id') {}

  transform(value: string): string {
    if (!isUuid(value)) throw new RequestValidationError([{ field: this.name, message: `${this.name} must be a UUID` }]);
    return normaliseId(value);
  }
}

/** A UUID path parameter (`:id` by default), validated and lower-cased. */
export const IdParam = (name = 'id'): ParameterDecorator => Param(name, new UuidParam(name));
