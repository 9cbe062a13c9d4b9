/**
 * sensitive-without-separate-consent (PIPL Art. 28–29): collecting, using, sharing or transferring
 * a sensitive category with no active separate consent that covers the purpose and names the
 * category. Which categories are sensitive, and whether the rule is on, is the policy's
 * `sensitive` section (the built-in default's when a published version has none: policy-in-force.ts).
 */
import { consentCovers, list, type ActRule } from '../violation.js';

export const sensitiveWithoutSeparateConsent: ActRule = ({ event }, { policy, consentsOf }) => {
  if (event.type !== 'DataCollected' && event.type !== 'DataUsed' && event.type !== 'DataShared' && event.type !== 'DataTransferredAbroad') return [];
  const rule = policy.document.sensitive;
  if (!rule.requireSeparateConsent) return [];
  const sensitive = event.data.categories.filter((c) => rule.categories.includes(c));
  if (sensitive.length === 0) return [];
  const purposes = event.type === 'DataCollected' ? event.data.purposes : [event.data.purpose];
  const at = event.occurredAt;
  // A separate consent names what it is for: it covers a category only if it lists it.
  const separate = consentsOf(event.subject.id).filter((c) => c.separate && c.categories !== null);
  const uncovered = sensitive.filter((category) => purposes.some((purpose) => !separate.some((c) => consentCovers(c, purpose, [category], at))));
  if (uncovered.length === 0) return [];
  const other = consentsOf(event.subject.id).filter((c) => c.givenBy && purposes.some((p) => consentCovers(c, p, uncovered, at)));
  const why = other.length > 0 ? 'the consent given for it is not a separate one' : 'no separate consent given by then covers it';
  return [{
    subjectId: event.subject.id,
    eventIds: [event.id, ...new Set(other.flatMap((c) => (c.givenBy ? [c.givenBy] : [])))],
    message: `${event.type} of sensitive ${list(uncovered)} for ${list(purposes)} on ${at}: ${why} (PIPL Art. 29).`,
  }];
};
