/**
 * The GraphQL contract. Its names are fixed (README, "Read models and the GraphQL API"): extend, never rename; the rest
 * serves what a DPO, an auditor or a responder asks next.
 */
import { DATE_TIME_DESCRIPTION } from '../resolvers/dates.js';

export const typeDefs = /* GraphQL */ `
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
    "Declared vs actual, as of a moment (default now): processing seen but not declared by the policy in force, with evidence; declared processing never seen."
    processingDrift(asOf: DateTime): ProcessingDrift!
    "Whose data was in an incident's systems during its window."
    incidentImpact(incidentId: ID!): IncidentImpact
    "The forensics timeline: every event, filtered, oldest first."
    events(filter: EventFilter, first: Int = 50, after: String): EventConnection!
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
  type Me { keyId: ID!, role: Role!, mayRevealValues: Boolean!, mayLookUpIdentifiers: Boolean!, mayRecordPrivileged: Boolean! }

  type SubjectConnection { edges: [SubjectEdge!]!, pageInfo: PageInfo! }
  type SubjectEdge { cursor: String!, node: SubjectSummary! }
  type SubjectSummary { subjectId: ID!, firstSeenAt: DateTime!, lastSeenAt: DateTime!, erased: Boolean!, erasedAt: DateTime, events: Int! }
  type IncidentReport { audience: String!, at: DateTime!, subjectId: ID, eventId: ID! }
  type ChainBreak { position: Int!, kind: String!, expected: String!, found: String!, message: String! }
  type VerifyResult {
    ok: Boolean!
    checked: Int!
    headPosition: Int!
    headHash: String
    "Signed checkpoints the log was held to; forgedCheckpoints: sizes whose stored note does not verify."
    checkpoints: Int!
    forgedCheckpoints: [Int!]!
    firstBreak: ChainBreak
  }
  type SubjectExport { json: JSON!, html: String! }

  input IdentifierInput { kind: String!, value: String! }

  input EventFilter {
    subjectId: ID
    type: String
    category: String
    system: String
    actorId: String
    actorKind: String
    from: DateTime
    to: DateTime
  }

  type SubjectAccessReport {
    subjectId: ID!
    erased: Boolean!
    erasedAt: DateTime
    "Events recorded for the subject after erasure (a new registration, a late log line)."
    eventsAfterErasure: Int!
    firstSeenAt: DateTime!
    lastSeenAt: DateTime!
    "Every purpose the subject's data was collected or used for."
    purposes: [String!]!
    categories: [HeldCategory!]!
    recipients: [Recipient!]!
    transfers: [Transfer!]!
    consents: [Consent!]!
    requests: [SubjectRequest!]!
    "Who used or passed on the subject's data, when, and for what."
    accessLog: [Access!]!
    "Decisions about the subject made by automated means alone (GDPR Art. 15(1)(h), 22; PIPL Art. 24): the accessLog entries whose action is decided."
    automatedDecisions: [Access!]!
    timeline(first: Int = 50, after: String): EventConnection!
    "An inclusion bundle (README, Proofs) for every event recorded about the subject, checkable offline with pdl verify-proof. Null: none."
    proof: JSON
  }

  type Access {
    eventId: ID!
    occurredAt: DateTime!
    actor: Actor!
    "used, decided (an automated decision about the subject), shared, transferred-abroad, or viewed (decrypted values shown through this API)"
    action: String!
    "The system that used the data, the recipient it went to, or the API operation that showed it."
    target: String!
    "Null for a view: the reader's role says why they may see it."
    purpose: String
    categories: [String!]!
  }

  enum CategoryStatus { held deleted anonymized erased }

  type HeldCategory {
    category: String!
    label: String!
    status: CategoryStatus!
    purposes: [String!]!
    legalBases: [String!]!
    sources: [String!]!
    methods: [String!]!
    storage: [Storage!]!
    usedBy: [String!]!
    firstCollectedAt: DateTime
    lastCollectedAt: DateTime
    lastUsedAt: DateTime
    retention: String
    retainedUntil: DateTime
    deletedAt: DateTime
    "When the value was last corrected (DataRectified); value is then the corrected one."
    rectifiedAt: DateTime
    collectedAfterErasure: Boolean!
    "The value, decrypted. Null when erased, deleted, never given, or when the caller's role may not see values."
    value: String
    "Ids of the events this entry rests on."
    evidence: [ID!]!
  }

  type Storage { system: String!, kind: String!, region: String! }

  type Recipient {
    id: ID!
    name: String!
    kind: String!
    region: String!
    abroad: Boolean!
    categories: [String!]!
    purposes: [String!]!
    legalBases: [String!]!
    legalRequestIds: [ID!]!
    firstShared: DateTime!
    lastShared: DateTime!
    shares: Int!
    evidence: [ID!]!
  }

  type RecipientRef { id: ID!, name: String!, kind: String!, region: String! }

  type Transfer {
    eventId: ID!
    subjectId: ID!
    occurredAt: DateTime!
    recipient: RecipientRef!
    fromRegion: String!
    toRegion: String!
    categories: [String!]!
    purpose: String!
    mechanism: String!
    securityMeasures: [String!]!
    risks: [String!]!
    consentId: ID
    "In the compliance report: valid, or not-valid with the problem."
    consentStatus: String
    consentProblem: String
  }

  type Disclosures { purpose: String, recipient: String, securityMeasures: [String!], risks: [String!] }
  type Withdrawal { at: DateTime!, purposes: [String!], all: Boolean!, eventId: ID! }

  type Consent {
    consentId: ID!
    "active, partially-withdrawn, withdrawn, or refused (a purpose refused with no consent given)."
    status: String!
    purposes: [String!]!
    categories: [String!]
    disclosures: Disclosures
    policyVersion: String
    channel: String
    givenAt: DateTime
    withdrawals: [Withdrawal!]!
  }

  type SubjectRequest {
    subjectId: ID!
    requestId: ID!
    kind: String
    receivedAt: DateTime
    deadline: DateTime
    completedAt: DateTime
    outcome: String
    "open, completed, or overdue (open past its deadline, now)."
    status: String!
    daysLeft: Int
    evidence: [ID!]!
  }

  type ProcessingRegister { purposes: [PurposeRecord!]! }

  type PurposeRecord {
    purpose: String!
    label: String!
    categories: [String!]!
    legalBases: [String!]!
    sources: [String!]!
    systems: [String!]!
    storageRegions: [String!]!
    recipients: [String!]!
    transferRegions: [String!]!
    retentions: [String!]!
    subjectCount: Int!
    firstSeenAt: DateTime!
    lastSeenAt: DateTime!
  }

  type ComplianceReport {
    asOf: DateTime!
    from: DateTime
    to: DateTime
    "Only what the ledger had recorded by this moment was judged; null: everything recorded."
    knownAt: DateTime
    "Facts (a completion, an incident report, a deletion, a notice) whose occurredAt meets a deadline but which the ledger recorded only after it, though it knew of the obligation before: back-dated, or recorded late; those recorded in the period."
    recordedLate: [LateRecord!]!
    "The ledger head the report was computed at: keep it, and 'pdl verify --anchor' proves the evidence unchanged."
    ledgerHead: LedgerHead!
    "The policy version in force at asOf (each verdict names the version it was judged by)."
    policy: PolicyRef!
    summary: [RuleSummary!]!
    violations: [Violation!]!
    "Requests by authority and instrument, what each allowed to be disclosed, and disclosures made without one: requests received in the period or with a disclosure in it, disclosures made in it."
    transparency: Transparency!
    legalRequests: [LegalRequest!]!
    "The transfer register: every transfer abroad made in the period, with the status of its consent (the same whatever the period)."
    transfers: [Transfer!]!
    retention: RetentionStatus!
    "Subject requests still open at asOf that were open in the period."
    openRequests: [OpenRequest!]!
    "Shutdowns from their announcement until every subject's data is gone, when that overlaps the period."
    shutdowns: [ShutdownProgress!]!
    "Declared vs actual processing (see processingDrift), by the policy in force at the period's end (to, or asOf when earlier) and what had been seen by then."
    drift: ProcessingDrift!
    "Incidents that exposed someone's data: the reporting deadline and who was told when (GDPR Art. 33–34; PIPL Art. 57); those whose clock — from the opening until the authority and everyone affected were told — overlaps the period."
    incidents: [IncidentClock!]!
    "An inclusion bundle (README, Proofs) for every event the violations cite, checkable offline with pdl verify-proof. Null: none cited."
    proof: JSON
  }

  type IncidentClock {
    incidentId: ID!
    openedAt: DateTime!
    deadline: DateTime!
    policyVersion: String!
    affected: Int!
    authorityReportedAt: DateTime
    subjectsReported: Int!
    subjectsReportedLate: Int!
  }

  type ProcessingDrift {
    asOf: DateTime!
    policyVersion: String!
    "False when the policy in force declares no processing: nothing was compared."
    declared: Boolean!
    "Seen but not declared: dimension is purpose, category, system, recipientKind or region."
    undeclared: [UndeclaredProcessing!]!
    "Declared but never seen by asOf, with the sentence that declares it."
    unobserved: [UnobservedDeclaration!]!
  }
  type UndeclaredProcessing { purpose: String!, dimension: String!, value: String!, firstSeenAt: DateTime!, evidence: [ID!]! }
  type UnobservedDeclaration { purpose: String!, dimension: String!, value: String!, source: String! }

  type PolicyRef { version: String!, title: String, eventId: ID }
  type RuleSummary { rule: String!, violations: Int! }

  type Violation {
    rule: String!
    subjectId: ID
    "The evidence: the offending event first, then what it was judged against."
    eventIds: [ID!]!
    "The same evidence with both clocks: when each event happened, and when the ledger recorded it."
    evidence: [EvidenceTimes!]!
    "When the processing happened, or when the deadline passed: when the breach began."
    occurredAt: DateTime!
    "When the breach ended, as seen at asOf: the act's own moment, or when the obligation was met late. Null: still open."
    breachEnd: DateTime
    "Still open at asOf (breachEnd is null)."
    ongoing: Boolean!
    "Began before the period asked about (and overlaps it)."
    beganBeforePeriod: Boolean!
    "When the ledger held all of the evidence (the latest recordedAt among it)."
    recordedAt: DateTime
    detectedAt: DateTime!
    policyVersion: String!
    message: String!
    "The promise broken: the sentence of that policy version (or the article of the law) the rule holds the ledger to."
    promise: String!
  }

  type EvidenceTimes { eventId: ID!, type: String!, occurredAt: DateTime!, recordedAt: DateTime! }

  type LateRecord {
    "request-answered, incident-reported, retention-deleted, shutdown-notified or shutdown-deleted"
    kind: String!
    subjectId: ID
    "The request, incident, system or service the deadline belongs to."
    reference: String!
    deadline: DateTime!
    eventId: ID!
    "When the fact says it happened."
    occurredAt: DateTime!
    "When the ledger recorded it: after the deadline."
    recordedAt: DateTime!
    causeEventId: ID!
    "When the ledger recorded the obligation: before the deadline."
    causeRecordedAt: DateTime!
    message: String!
  }

  type Transparency {
    byAuthority: [AuthorityCount!]!
    legalRequests: [LegalRequest!]!
    disclosuresWithoutRequest: [Disclosure!]!
  }
  type AuthorityCount { authority: String!, instrument: String!, requests: Int!, disclosures: Int! }

  type RetentionStatus {
    "Held at asOf past the end of the retention period, already overdue in the period asked about (what was deleted late is among the violations)."
    overdue: [RetentionEntry!]!
    "Held, with the retention period ending in the 30 days after asOf (whatever the period)."
    dueSoon: [RetentionEntry!]!
  }
  type RetentionEntry { subjectId: ID!, system: String!, categories: [String!]!, due: DateTime!, days: Int!, collectedBy: ID!, policyVersion: String! }

  type OpenRequest { subjectId: ID!, requestId: ID!, kind: String, receivedAt: DateTime, deadline: DateTime!, daysLeft: Int! }

  type ShutdownProgress {
    service: String!
    systems: [String!]!
    announcedAt: DateTime!
    effectiveAt: DateTime!
    deletionDeadline: DateTime!
    subjectCount: Int!
    notified: Int!
    deleted: Int!
    stillHeld: Int!
    subjects: [ShutdownSubject!]!
  }
  type ShutdownSubject { subjectId: ID!, notifiedBy: ID, deletedAt: DateTime }

  input RecipientInput { id: ID!, name: String!, kind: String!, region: String! }
  type Authorization {
    allowed: Boolean!
    "The policy version the question was judged by."
    policyVersion: String!
    reasons: [Reason!]!
  }
  type Reason { rule: String, message: String! }

  type LegalRequest {
    requestId: ID!
    authority: String
    instrument: String
    reference: String
    categories: [String!]!
    receivedAt: DateTime
    disclosures: [Disclosure!]!
  }

  type Disclosure { eventId: ID!, subjectId: ID!, occurredAt: DateTime!, recipient: String!, categories: [String!]! }

  type IncidentImpact {
    incidentId: ID!
    systems: [String!]!
    windowFrom: DateTime
    windowTo: DateTime
    description: String
    openedAt: DateTime
    closedAt: DateTime
    subjectCount: Int!
    subjects: [AffectedSubject!]!
    "Who was told, when (IncidentReported): the authority, one person, or everybody affected."
    reports: [IncidentReport!]!
    "An inclusion bundle (README, Proofs) for every event the affected subjects' evidence cites. Null: none."
    proof: JSON
  }

  type AffectedSubject { subjectId: ID!, categories: [String!]!, systems: [String!]!, evidence: [ID!]! }

  type EventConnection {
    edges: [EventEdge!]!
    pageInfo: PageInfo!
    totalCount: Int!
    "An inclusion bundle (README, Proofs) for the events of this page. Null: an empty page."
    proof: JSON
  }

  type Checkpoint {
    origin: String!
    size: Int!
    "Base64 of the Merkle root (RFC 9162) over the first size events."
    root: String!
    "The signed note, as outside verifiers read it."
    note: String!
    signedAt: DateTime!
    "The note verifier key (name+hash+key) to pin; check it against the one the operator publishes."
    verifierKey: String!
  }
  type EventEdge { cursor: String!, node: LedgerEventRecord! }
  type PageInfo { hasNextPage: Boolean!, endCursor: String }
  type Actor { kind: String!, id: String! }
  "Who handed the event to the ledger, as the ledger authenticated it (not what the producer claims): api-key (id and role), operator (login), kafka (topic), or ledger (its own records). Covered by the chain. Null on events stored before it was recorded."
  type Submitter { kind: String!, id: String!, role: String }

  type LedgerEventRecord {
    id: ID!
    position: Int!
    stream: String!
    revision: Int!
    type: String!
    occurredAt: DateTime!
    recordedAt: DateTime!
    subjectId: ID
    actor: Actor!
    submitter: Submitter
    "The event's data; personal values decrypted for roles that may see them, null otherwise. Asking for it with values shown records a DataViewed before the answer leaves."
    data: JSON!
    hash: String!
  }

  type IngestStatus {
    topic: String!
    deadLetterTopic: String!
    groupId: String!
    running: Boolean!
    consumed: Int!
    appended: Int!
    duplicates: Int!
    deadLettered: Int!
    lag: Int
    lastBatchAt: DateTime
  }

  type LedgerHead {
    position: Int!
    hash: String
    "Position up to which every read model is current."
    readModelsPosition: Int!
  }

  type RecordEventsResult {
    appended: Int!
    duplicates: Int!
    rejected: [Rejection!]!
    outcomes: [RecordOutcome!]!
  }
  type Rejection { index: Int!, id: String, errors: [FieldError!]! }
  type FieldError { path: String!, message: String! }
  type RecordOutcome { index: Int!, id: String, status: String!, position: Int, note: String }

  type CreatedApiKey { id: ID!, role: Role!, label: String, "Shown once: store it now." key: String! }
`;
