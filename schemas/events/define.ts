import * as z from 'zod';
import { envelopeShape, KnownSubject, requiredSubject, Subject } from '../envelope.js';

/**
 * An event type: the envelope plus its own `data`. `subject` is required for everything that
 * happens to one person's data, and optional where an event concerns no single subject.
 * `knownSubject`: the event only names a subject already recorded (envelope.ts, KnownSubject).
 */
export function defineEvent<const T extends string, D extends z.ZodType, const S extends 'required' | 'optional'>(
  type: T,
  data: D,
  subject: S,
  description: string,
  options: { knownSubject?: boolean } = {},
) {
  const known = options.knownSubject === true;
  return z
    .strictObject({
      ...envelopeShape,
      type: z.literal(type),
      subject: (subject === 'required' ? requiredSubject(type, known) : (known ? KnownSubject : Subject).optional()) as S extends 'required'
        ? typeof Subject
        : z.ZodOptional<typeof Subject>,
      data,
    })
    .meta({ title: type, description });
}

export const nonEmpty = <T extends z.ZodType>(item: T, noun: string) =>
  z.array(item).min(1, `at least one ${noun}`);

export const text = (max = 500) => z.string().trim().min(1, 'must not be empty').max(max);
