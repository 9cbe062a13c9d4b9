/** storage-region: data stored outside the policy's regions with no transfer there recorded. */
import { list, type ActRule } from '../violation.js';

export const storageRegion: ActRule = ({ event }, { policy, transfersOf }) => {
  if (event.type !== 'DataCollected') return [];
  const { storage, categories } = event.data;
  if (policy.document.storage.regions.includes(storage.region)) return [];
  const transfers = transfersOf(event.subject.id).filter((t) => t.toRegion === storage.region && t.occurredAt <= event.occurredAt);
  const uncovered = categories.filter((c) => !transfers.some((t) => t.categories.includes(c)));
  if (uncovered.length === 0) return [];
  return [{
    subjectId: event.subject.id,
    eventIds: [event.id],
    message: `${list(uncovered)} stored in ${storage.system} (${storage.region}), outside ${list(policy.document.storage.regions)}, with no transfer to ${storage.region} recorded.`,
  }];
};
