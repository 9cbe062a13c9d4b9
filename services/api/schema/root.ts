/** The root of the contract: scalars, roles, every query and mutation, API keys and what a write answers. */
import { DATE_TIME_DESCRIPTION } from '../resolvers/dates.js';

export const rootTypeDefs = /* GraphQL */ `
  "${DATE_TIME_DESCRIPTION}"
  scalar DateTime
  "Any JSON value: an event as producers send it."
  scalar JSON

  enum Role { admin producer dpo auditor }

  type Query {
    """
    Everything GDPR Art. 15 and PIPL Art. 45 say a subject may learn. Null: no such subject.
    By identifier (e-mail, phone): dpo or admin only, and rate-limited per key — the answer says
    whether a value belongs to someone. Values shown are recorded as a DataViewed event.
    """
    subjectAccess(subjectId: ID, identifier: IdentifierInput): SubjectAccessReport
    "The record of processing activities (GDPR Art. 30), derived from what the ledger saw."
    processingRegister: ProcessingRegister!
    "asOf: the moment the world is judged at, by when things happened (default: knownAt, else now). knownAt: judge only what the ledger had recorded by then — the report as it could have been run at that moment, reproduced exactly (default: now; an earlier moment replays the log up to it, rate-limited per key). from, to: the period asked about — every violation whose breach overlaps it (begun before and still open included), and in every section what happened or ran in it, as seen at asOf. A date alone is a whole UTC day (see DateTime)."
    complianceReport(from: DateTime, to: DateTime, asOf: DateTime, knownAt: DateTime): ComplianceReport!
    "Master-key generations and how far erasures have reached the backups (dpo, admin). With subjectId: that subject's erasure."
    keyStatus(subjectId: ID): KeyStatus!
    "Declared vs actual, as of a moment (default now): processing seen but not declared by the policy in force, with evidence; declared processing never seen."
    processingDrift(asOf: DateTime): ProcessingDrift!
    "Whose data was in an incident's systems during its window."
    incidentImpact(incidentId: ID!): IncidentImpact
    "The forensics timeline: every event, filtered, oldest first (newest: true, newest first; a page's endCursor then leads to older events)."
    events(filter: EventFilter, first: Int = 50, after: String, newest: Boolean = false): EventConnection!
    "The event types of the contract, as the filter's type takes them."
    eventTypes: [String!]!
    "Why data may be erased or deleted (the taxonomy's deletion reasons): the term a SubjectErased or DataDeleted takes, and its label."
    deletionReasons: [Term!]!
    "The rights a subject may exercise (the taxonomy's request kinds)."
    requestKinds: [Term!]!
    "The reasons a request may be refused for (the subject is owed the reason: GDPR Art. 12(4))."
    refusalReasons: [Term!]!
    "The requests inbox (admin, dpo, auditor): subject requests by status — open, overdue, completed; default open and overdue — the overdue first, then by deadline (from the policy in force when each was received). At most first (≤ 500), after skipping offset (the next page: offset + first)."
    requests(status: String, first: Int = 100, offset: Int = 0): [SubjectRequestEntry!]!
    ledgerHead: LedgerHead!
    "Who is asking: the key's id and role (never the key). Any role."
    me: Me!
    "The latest signed checkpoint of the ledger's Merkle tree (C2SP tlog-checkpoint, signed-note): keep it, and hold the ledger to it later."
    checkpoint: Checkpoint!
    "Proof that the checkpoint signed at fromSize is a prefix of the one at toSize (default: the latest): a consistency bundle (README, Proofs)."
    consistencyProof(fromSize: Int!, toSize: Int): JSON!
    "Progress and lag of the Kafka consumer when this server runs it (pdl serve --kafka); null otherwise."
    ingestStatus: IngestStatus
    "The API keys (admin only): ids, roles, labels, never the keys."
    apiKeys: [ApiKey!]!
    "Subjects by id prefix (empty: all), in id order; an e-mail or phone is looked up by blind index (dpo, admin; rate-limited)."
    subjects(search: String, first: Int = 50, after: String): SubjectConnection!
    "Every incident, with how many subjects it touched and who was told."
    incidents: [IncidentImpact!]!
    "Every legal request received, with what was disclosed under it."
    legalRequests: [LegalRequest!]!
    "Subject requests across subjects, soonest deadline first; status: open, overdue or completed."
    subjectRequests(status: String, first: Int = 100): [SubjectRequest!]!
    "One event by id, as on the timeline (values only for roles that may see them). Null: no such event."
    event(id: ID!): LedgerEventRecord
    "The chain and every signed checkpoint checked from the first event, as pdl verify does; anchor: POSITION:HASH kept from earlier."
    verify(anchor: String): VerifyResult!
    "The package a subject is owed (GDPR Art. 15(3), 20; PIPL Art. 45): JSON and a readable page, values opened (dpo, admin; recorded as DataViewed)."
    exportSubject(subjectId: ID!): SubjectExport
    "May this be done now? Judged by the same rules as the ledger, against the subject's consents and the policy in force."
    authorize(subjectId: ID!, purpose: String!, categories: [String!]!, recipient: RecipientInput, legalBasis: String, legalRequestId: ID, consentId: ID): Authorization!
  }

  type Mutation {
    "Records events (the canonical JSON, as on Kafka). Every invalid one is answered with every problem by path; the valid ones are stored."
    recordEvents(events: [JSON!]!): RecordEventsResult!
    "Creates an API key for a role (admin only). The key is shown once."
    createApiKey(role: Role!, label: String): CreatedApiKey!
    "Revokes an API key at once (admin only). False: no such key."
    revokeApiKey(id: ID!): Boolean!
  }

  type ApiKey { id: ID!, role: Role!, label: String, createdAt: DateTime! }
  "A term of the taxonomy (schemas/taxonomy.ts) and its label."
  type Term { term: String!, label: String! }
  type SubjectRequestEntry { subjectId: ID!, requestId: ID!, kind: String, status: String!, receivedAt: DateTime, deadline: DateTime, daysLeft: Int, completedAt: DateTime, outcome: String, refusalReason: String }
  type Me { keyId: ID!, role: Role!, mayRevealValues: Boolean!, mayLookUpIdentifiers: Boolean!, mayRecordPrivileged: Boolean! }

  input IdentifierInput { kind: String!, value: String! }

  type PageInfo { hasNextPage: Boolean!, endCursor: String }
  type RecordEventsResult {
    appended: Int!
    duplicates: Int!
    rejected: [Rejection!]!
    outcomes: [RecordOutcome!]!
    "The highest log position among the events appended or found already recorded (null: none was). Send it as the PDL-At-Least header and a read waits, up to 5 s, until every read model holds these events (README: Read your writes)."
    position: Int
  }
  type Rejection { index: Int!, id: String, errors: [FieldError!]! }
  type FieldError { path: String!, message: String! }
  type RecordOutcome { index: Int!, id: String, status: String!, position: Int, note: String }

  type CreatedApiKey { id: ID!, role: Role!, label: String, "Shown once: store it now." key: String! }
`;
