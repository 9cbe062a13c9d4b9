/** The compliance report and what it cites: verdicts, registers, drift, retention, requests, shutdowns, legal requests, authorisation. */
export const complianceTypeDefs = /* GraphQL */ `
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
    "The whole report as one self-contained HTML page a person reads or hands to an auditor (what pdl report --format html writes)."
    html: String!
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
    "Erasures by how far they have reached the backups (README, Keys and backups): counted now, whatever the period."
    erasuresInBackups: ErasureBackupCounts!
  }

  "Erased subjects counted by whether their keys are still readable in some backup."
  type ErasureBackupCounts {
    total: Int!
    "Unreadable in every backup: the master-key generation current at the erasure, and every earlier one, destroyed."
    complete: Int!
    "Their generation is superseded and kept for backups until a date: unreadable in every backup from then."
    scheduled: Int!
    "The latest of those dates."
    scheduledBy: DateTime
    "Erased under the generation still current: a rotation starts their clock."
    waitingForRotation: Int!
  }

  type MasterKeyGeneration {
    generation: Int!
    createdAt: DateTime!
    supersededAt: DateTime
    "When it is to be destroyed: superseded + the backup-retention window."
    destroyAfter: DateTime
    destroyedAt: DateTime
  }

  "One subject's erasure: gone from the live store at erasedAt; from unreadableFrom, from every backup."
  type ErasureReach {
    subjectId: ID!
    erasedAt: DateTime!
    generation: Int!
    "Null while the generation is still current."
    unreadableFrom: DateTime
    complete: Boolean!
  }

  type KeyStatus {
    generations: [MasterKeyGeneration!]!
    erasures: ErasureBackupCounts!
    "The subject asked for; null when it was never erased."
    subject: ErasureReach
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
`;
