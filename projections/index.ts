/** Every read model the embedded ledger keeps. */
import { accessLog } from './access-log/access-log.js';
import { consents } from './consents/consents.js';
import { eventIndex, eventTags } from './event-index/event-index.js';
import { merkleTree } from './merkle-tree/merkle-tree.js';
import { incidents, storageIntervals, systemUses } from './incidents/incidents.js';
import { disclosures, legalRequests } from './legal-requests/legal-requests.js';
import { processingRegister, purposeSubjects } from './processing-register/processing-register.js';
import { observedProcessing } from './processing-register/observed-processing.js';
import type { Projection } from './projection.js';
import { violations } from './compliance/violations.js';
import { policies } from './policies/policies.js';
import { notices, shutdowns } from './shutdowns/shutdowns.js';
import { recipients, transfers } from './recipients/recipients.js';
import { subjectCategories } from './subject-profile/categories.js';
import { subjects } from './subject-profile/subjects.js';
import { subjectRequests } from './subject-requests/subject-requests.js';
import { impactAssessments } from './impact-assessments/impact-assessments.js';
import { dataReach } from './deletion-orders/data-reach.js';

/** Every model; the runner applies each after the models it `reads` (runner.ts inReadOrder), whatever the order here. */
export const allProjections: readonly Projection[] = [
  subjects, subjectCategories, consents, recipients, transfers, subjectRequests, legalRequests, disclosures,
  incidents, storageIntervals, systemUses, processingRegister, purposeSubjects, observedProcessing, eventIndex, eventTags, merkleTree, accessLog,
  policies, shutdowns, notices, impactAssessments, dataReach, violations,
];
