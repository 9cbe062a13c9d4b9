/**
 * Look-up identifiers (e-mail, phone, …): validation and the normal form the blind index is
 * keyed on, so that " Li@Example.CN" and "li@example.cn" find the same subject.
 */
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/min';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Numbers without a country prefix are read as numbers of this region (the policy's home). */
export const DEFAULT_PHONE_REGION: CountryCode = 'CN';

/**
 * The identifier kinds whose values are also a data category's: an e-mail or a phone collected
 * as a value is a look-up identifier (validated, indexed), and one given as an identifier is
 * sealed, deleted and audited as that category.
 */
const IDENTIFIER_PAIRS = [['email', 'contact.email'], ['phone', 'contact.phone']] as const;
/** Identifier kind → its data category. */
export const IDENTIFIER_CATEGORIES: ReadonlyMap<string, string> = new Map(IDENTIFIER_PAIRS);
/** Data category → the identifier kind its values are. */
export const IDENTIFIER_KIND_OF: ReadonlyMap<string, 'email' | 'phone'> = new Map(IDENTIFIER_PAIRS.map(([kind, category]) => [category, kind]));

/**
 * libphonenumber-js reads a text that is no phone number by throwing a ParseError it then
 * catches: a stack trace taken for nothing on every id the ledger checks (~5 % of the write
 * path). The same call with no stack captured, the same answer.
 */
function parsePhone(text: string, options: Parameters<typeof parsePhoneNumberFromString>[1]): ReturnType<typeof parsePhoneNumberFromString> {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return parsePhoneNumberFromString(text, options);
  } finally {
    Error.stackTraceLimit = limit;
  }
}

export function normaliseIdentifier(kind: string, value: string): string | null {
  switch (kind) {
    case 'email': {
      const email = value.trim().toLowerCase();
      return EMAIL.test(email) ? email : null;
    }
    case 'phone': {
      const phone = parsePhone(value.trim(), DEFAULT_PHONE_REGION);
      return phone?.isValid() ? phone.number : null;
    }
    default:
      return value.trim() === '' ? null : value.trim();
  }
}

/** The whole text is a phone number (any spelling, an extension included), not merely contains one. */
export function looksLikePhoneNumber(text: string): boolean {
  return parsePhone(text, { defaultCountry: DEFAULT_PHONE_REGION, extract: false })?.isValid() === true;
}

export function isValidIdentifier(kind: string, value: string): boolean {
  return normaliseIdentifier(kind, value) !== null;
}
