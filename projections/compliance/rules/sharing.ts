/**
 * third-party-share: data shared with a kind of recipient the policy forbids.
 * disclosure-without-legal-basis: data given to an authority without a recorded legal request
 * (received before the disclosure, of an accepted instrument, asking for those categories).
 */
import { list, type ActRule } from '../violation.js';

export const thirdPartyShare: ActRule = ({ event }, { policy }) => {
  if (event.type !== 'DataShared' && event.type !== 'DataTransferredAbroad') return [];
  const { recipient, categories } = event.data;
  if (!policy.document.sharing.forbiddenRecipientKinds.includes(recipient.kind)) return [];
  return [{
    subjectId: event.subject.id,
    eventIds: [event.id],
    message: `${list(categories)} went to ${recipient.name} (${recipient.kind}, ${recipient.region}) for "${event.data.purpose}": the policy shares with no ${recipient.kind}.`,
  }];
};

export const disclosureWithoutLegalBasis: ActRule = ({ event }, { policy, legalRequest }) => {
  if (event.type !== 'DataShared' || event.data.recipient.kind !== 'authority' || !policy.document.legalDisclosure.requireLegalRequest) return [];
  const { recipient, categories, legalRequestId } = event.data;
  const subjectId = event.subject.id;
  const given = `${list(categories)} given to ${recipient.name}`;
  if (!legalRequestId) return [{ subjectId, eventIds: [event.id], message: `${given} citing no legal request.` }];
  const request = legalRequest(legalRequestId);
  if (!request || request.receivedAt === null || request.receivedAt > event.occurredAt) {
    return [{ subjectId, eventIds: [event.id, ...(request?.evidence ?? [])], message: `${given} citing legal request "${legalRequestId}", which was not recorded as received before the disclosure.` }];
  }
  const problems: string[] = [];
  const accepted: readonly string[] = policy.document.legalDisclosure.acceptedInstruments;
  if (request.instrument === null || !accepted.includes(request.instrument)) problems.push(`its instrument "${request.instrument}" is not one the policy accepts`);
  const beyond = categories.filter((c) => !request.categories.includes(c));
  if (beyond.length > 0) problems.push(`it did not ask for ${list(beyond)}`);
  if (problems.length === 0) return [];
  return [{ subjectId, eventIds: [event.id, ...request.evidence], message: `${given} under legal request "${legalRequestId}", but ${problems.join(' and ')}.` }];
};
